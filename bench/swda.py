"""The Switchboard dialogue-act corpus (SwDA) and the question classifier's score on it.

Used by ``bench/eval_questions.py``, by the accuracy test and by the retraining
script (``bench/train_questions.py``). It lives beside the benchmarks, not in the
package: nothing here runs in the product, and the corpus is outside the repository
(``../shared/eval/swda``).
"""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

KINDS = ("open", "closed", "none")

# The mapping of DAMSL tags to our three kinds; every other tag is "none".
GOLD: dict[str, str] = {
    "qw": "open",
    "qo": "open",
    "qw^d": "open",
    "qy": "closed",
    "qy^d": "closed",
    "^g": "closed",
    "qrr": "closed",
}

# Annotators left notes after an asterisk ("... *listen: should 'say' be 'saw'?");
# they are not speech, and their question marks would leak into the evaluation.
_NOTE = re.compile(r"\s\*.*$")
_PUNCT = re.compile(r"[^\w\s'-]+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Utterance:
    conversation: str
    text: str
    kind: str


def clean(text: str) -> str:
    return _NOTE.sub("", text).strip()


def strip_punctuation(text: str) -> str:
    """The utterance as a transcript without punctuation would give it."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()


def held_out(conversation: str, percent: int = 20) -> bool:
    """Deterministic split by conversation id: the same calls are held out on every machine."""
    return zlib.crc32(conversation.encode()) % 100 < percent


def load_swda(path: Path, *, split: str = "all") -> list[Utterance]:
    """Read ``train.tsv``; ``split`` is "all", "train" (80 %) or "heldout" (20 % of conversations)."""
    if split not in ("all", "train", "heldout"):
        raise ValueError(f"unknown split {split!r}")
    out: list[Utterance] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        for row in reader:
            conv = row["conversation"]
            if split != "all" and held_out(conv) != (split == "heldout"):
                continue
            text = clean(row["text"] or "")
            if text:
                out.append(Utterance(conv, text, GOLD.get(row["damsl_tag"], "none")))
    return out


@dataclass
class Report:
    # confusion[gold][predicted]
    confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: {g: dict.fromkeys(KINDS, 0) for g in KINDS}
    )

    def add(self, gold: str, predicted: str) -> None:
        self.confusion[gold][predicted] += 1

    def prf(self, kind: str) -> tuple[float, float, float]:
        tp = self.confusion[kind][kind]
        predicted = sum(self.confusion[g][kind] for g in KINDS)
        actual = sum(self.confusion[kind].values())
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    @property
    def macro_f1(self) -> float:
        """Mean F1 of "open" and "closed"; "none" is the negative class."""
        return (self.prf("open")[2] + self.prf("closed")[2]) / 2

    def as_dict(self) -> dict[str, object]:
        return {
            "confusion": self.confusion,
            "per_class": {
                k: dict(zip(("precision", "recall", "f1"), self.prf(k), strict=True)) for k in KINDS
            },
            "macro_f1": self.macro_f1,
        }


def score(
    classify: Callable[[str], str], data: Sequence[Utterance], *, punctuation: bool = True
) -> Report:
    report = Report()
    for u in data:
        text = u.text if punctuation else strip_punctuation(u.text)
        report.add(u.kind, classify(text))
    return report


def errors(
    classify: Callable[[str], str], data: Iterable[Utterance], *, punctuation: bool = True
) -> Iterable[tuple[str, str, str]]:
    """(gold, predicted, text) for every mistake; for looking at what the rules miss."""
    for u in data:
        text = u.text if punctuation else strip_punctuation(u.text)
        predicted = classify(text)
        if predicted != u.kind:
            yield u.kind, predicted, text
