"""Accuracy and speed of the question classifier on Switchboard (SwDA).

    python bench/eval_questions.py                 # shipped classifier, held-out conversations
    python bench/eval_questions.py --json
    python bench/eval_questions.py --classifier rules --split all

Gold labels: qw, qo, qw^d = open; qy, qy^d, ^g, qrr = closed; every other tag = none.
The score is macro-F1 over "open" and "closed", measured twice: on the text as
transcribed, and with all punctuation stripped (call transcripts often have none).
The shipped model was trained on the other 80 % of conversations, so its honest
figures are on ``--split heldout`` (the default).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.swda import KINDS, load_swda, score

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared/eval/swda/train.tsv"
_WH = re.compile(r"^\W*(what|how|why|where|when|who|which)\b", re.I)


def naive(text: str) -> str:
    """The issue's reference point: ends with "?" and starts with a wh-word."""
    if not text.rstrip().endswith("?"):
        return "none"
    return "open" if _WH.match(text) else "closed"


def classifiers() -> dict[str, Callable[[str], str]]:
    from ringback.questions import classify, classify_rules

    return {"shipped": classify, "rules": classify_rules, "naive": naive}


def run(name: str, data_path: Path, split: str) -> dict[str, object]:
    fn = classifiers()[name]
    data = load_swda(data_path, split=split)
    result: dict[str, object] = {"classifier": name, "split": split, "utterances": len(data)}
    for label, punct in (("with_punctuation", True), ("without_punctuation", False)):
        start = time.perf_counter()  # without punctuation, the stripping is timed too
        report = score(fn, data, punctuation=punct)
        elapsed = time.perf_counter() - start
        entry = report.as_dict()
        entry["sentences_per_second"] = round(len(data) / elapsed)
        result[label] = entry
    return result


def _print(result: dict[str, object]) -> None:
    print(
        f"classifier: {result['classifier']}  split: {result['split']}  "
        f"utterances: {result['utterances']}"
    )
    for label in ("with_punctuation", "without_punctuation"):
        entry = result[label]
        assert isinstance(entry, dict)
        print(f"\n== {label.replace('_', ' ')}")
        print("confusion (rows = gold, columns = predicted)")
        print(f"{'':>8}" + "".join(f"{k:>9}" for k in KINDS))
        for g in KINDS:
            print(f"{g:>8}" + "".join(f"{entry['confusion'][g][p]:>9}" for p in KINDS))
        print(f"\n{'':>8}{'P':>8}{'R':>8}{'F1':>8}")
        for k in KINDS:
            m = entry["per_class"][k]
            print(f"{k:>8}{m['precision']:>8.3f}{m['recall']:>8.3f}{m['f1']:>8.3f}")
        print(f"macro-F1 (open, closed): {entry['macro_f1']:.4f}")
        print(f"speed: {entry['sentences_per_second']:,} sentences/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the question classifier on SwDA.")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--split", choices=("heldout", "train", "all"), default="heldout")
    parser.add_argument("--classifier", choices=("shipped", "rules", "naive"), default="shipped")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"error: {args.data} not found (pass --data PATH to train.tsv)", file=sys.stderr)
        return 2
    result = run(args.classifier, args.data, args.split)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
