"""Accuracy on real telephone conversations: Switchboard dialogue acts (SwDA).

Runs the same evaluation as ``bench/eval_questions.py`` on the held-out 20 % of
conversations (the model never saw them). Skips with a reason when the corpus is
absent, except under CI=true, where a missing corpus is a failure.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from bench.swda import load_swda, score

from ringback.questions import classify

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SWDA = SHARED / "eval" / "swda" / "train.tsv"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

TARGET = 0.80  # the bar, met on transcribed text (measured 0.81 held out)
# Without any punctuation a declarative question ("so you live in Garland then") is often
# indistinguishable from a statement; measured 0.759 held out. This guards against
# regressions; it is below the 0.80, which the report says plainly.
NO_PUNCT_FLOOR = 0.74


@pytest.fixture(scope="module")
def heldout():  # type: ignore[no-untyped-def]
    if not SWDA.is_file():
        reason = f"SwDA corpus not found at {SWDA}"
        if IN_CI:
            pytest.fail(f"CI=true requires the corpus: {reason}")
        pytest.skip(reason)
    data = load_swda(SWDA, split="heldout")
    assert len(data) > 20_000  # the split is by conversation id, so its size is fixed
    return data


def test_macro_f1_with_punctuation(heldout) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    report = score(classify, heldout, punctuation=True)
    assert time.perf_counter() - start < 30
    assert report.macro_f1 >= TARGET, report.as_dict()


def test_macro_f1_without_punctuation(heldout) -> None:  # type: ignore[no-untyped-def]
    report = score(classify, heldout, punctuation=False)
    assert report.macro_f1 >= NO_PUNCT_FLOOR, report.as_dict()


def test_bench_reports_confusion_and_scores_as_json(tmp_path: Path) -> None:
    """`bench/eval_questions.py --json` on a tiny corpus whose answer is known by hand."""
    import json
    import subprocess
    import sys

    tsv = tmp_path / "mini.tsv"
    rows = [
        ("1", "A", "What do you do for a living?", "qw"),
        ("1", "B", "I sell pumps.", "sd"),
        ("1", "A", "Do you like it?", "qy"),
        ("1", "B", "Yeah.", "aa"),
        ("1", "A", "Uh-huh.", "b"),
    ]
    tsv.write_text(
        "conversation\tspeaker\ttext\tdamsl_tag\n" + "".join("\t".join(r) + "\n" for r in rows)
    )
    bench = Path(__file__).resolve().parents[1] / "bench" / "eval_questions.py"
    proc = subprocess.run(
        [sys.executable, str(bench), "--data", str(tsv), "--split", "all", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["utterances"] == 5
    for mode in ("with_punctuation", "without_punctuation"):
        entry = result[mode]
        assert entry["macro_f1"] == 1.0
        assert entry["confusion"]["open"]["open"] == 1
        assert entry["confusion"]["closed"]["closed"] == 1
        assert entry["confusion"]["none"]["none"] == 3
        assert entry["sentences_per_second"] > 0


def test_bench_missing_corpus_says_where_it_looked(tmp_path: Path) -> None:
    import subprocess
    import sys

    bench = Path(__file__).resolve().parents[1] / "bench" / "eval_questions.py"
    proc = subprocess.run(
        [sys.executable, str(bench), "--data", str(tmp_path / "nope.tsv")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "nope.tsv" in proc.stderr
