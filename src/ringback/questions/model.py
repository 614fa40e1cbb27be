"""A small, explainable model on top of the rules.

The rules alone misjudge what only word statistics reveal: "so you live in
Garland then" is a yes/no question without any question form, "what I found
is that ..." is a statement. A multinomial logistic regression weighs named
features — the rule that fired, the first and last words, word pairs, the
question mark — learned from Switchboard (see ``bench/train_questions.py``).
Prediction is a sum of weights in pure Python: no numpy at runtime, and every
label can be explained by its largest contributions (``explain``).
"""

from __future__ import annotations

import gzip
import json
import math
from functools import cache
from importlib import resources

from ringback.questions.classifier import Kind, _strip, _words, analyse, clip

CLASSES: tuple[Kind, ...] = ("open", "closed", "none")
WEIGHTS_FILE = "weights.json.gz"


def plain(text: str) -> bool:
    """True for a transcript line without any sentence punctuation."""
    return not any(ch in text for ch in ".,?!;:")


def features(text: str) -> list[str]:
    """Named features of one utterance; the same function serves training and prediction."""
    text = clip(text)
    lowered = text.lower().strip()
    raw = _words(lowered)
    w = _strip(raw)
    verdict = analyse(text)
    feats = [
        "bias",
        # The verdict's kind is shared by all rules, so a rule Switchboard rarely shows
        # ("who else ...") still counts; the reason refines it where data allows.
        f"rulekind:{verdict.kind}",
        f"rule:{verdict.reason}",
        f"len:{min(len(w), 8)}",
    ]
    if lowered.endswith("?"):
        feats.append("qmark:end")
        feats.append(f"qmark_rule:{verdict.reason}")
    elif "?" in lowered:
        feats.append("qmark:inside")
    if raw:
        # The discarded opener matters: "so you live in Garland" is a question, "you live" less so.
        feats += [f"raw0:{raw[0]}", f"raw2:{' '.join(raw[:2])}"]
    if not w:
        return feats
    if plain(text):
        # Without punctuation the same words are weaker evidence; let the weights differ.
        feats += ["mode:plain", f"plain_rule:{verdict.reason}", f"plain_l2:{' '.join(w[-2:])}"]
        feats += [f"plain_rulekind:{verdict.kind}"]
        feats += [f"plain_f2:{' '.join(w[:2])}"]
    padded = ["<s>", *w, "</s>"]
    feats += [f"f1:{w[0]}", f"f2:{' '.join(w[:2])}", f"f3:{' '.join(w[:3])}"]
    feats += [f"l1:{w[-1]}", f"l2:{' '.join(w[-2:])}", f"f1l1:{w[0]} {w[-1]}"]
    if lowered.endswith("?"):
        # "what ...?" and "you ...?" mean more with the mark than without it.
        feats += [f"qf1:{w[0]}", f"qf2:{' '.join(w[:2])}", f"ql1:{w[-1]}"]
    feats += [f"w:{x}" for x in set(w)]
    feats += [f"b:{a} {b}" for a, b in {(padded[i], padded[i + 1]) for i in range(len(padded) - 1)}]
    if plain(text):
        # A private copy of every feature for unpunctuated text ("feature augmentation"):
        # the shared weights learn what holds everywhere, the copies what differs.
        feats += [f"p:{f}" for f in feats if not f.startswith("plain")]
    return feats


class Model:
    def __init__(self, weights: dict[str, list[float]], bias: dict[str, list[float]]) -> None:
        # bias: per-class offsets for punctuated ("punct") and unpunctuated ("plain") text,
        # tuned for macro-F1 on a development slice.
        self.weights = weights
        self.bias = bias

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Model:
        weights = data["weights"]
        bias = data["bias"]
        assert isinstance(weights, dict) and isinstance(bias, dict)
        return cls(weights, bias)

    def scores(self, text: str) -> list[float]:
        totals = list(self.bias.get("plain" if plain(text) else "punct", (0.0, 0.0, 0.0)))
        for f in features(text):
            row = self.weights.get(f)
            if row is not None:
                for k in range(len(CLASSES)):
                    totals[k] += row[k]
        return totals

    def probabilities(self, text: str) -> dict[Kind, float]:
        s = self.scores(text)
        top = max(s)
        exp = [math.exp(x - top) for x in s]
        total = sum(exp)
        return {c: e / total for c, e in zip(CLASSES, exp, strict=True)}

    def predict(self, text: str) -> Kind:
        s = self.scores(text)
        return CLASSES[s.index(max(s))]

    def explain(self, text: str, top: int = 5) -> list[tuple[str, float]]:
        """The features that pushed hardest towards the predicted kind."""
        k = CLASSES.index(self.predict(text))
        contrib = [
            (f, self.weights[f][k] - max(v for j, v in enumerate(self.weights[f]) if j != k))
            for f in set(features(text))
            if f in self.weights
        ]
        contrib.sort(key=lambda fc: -fc[1])
        return contrib[:top]


@cache
def load() -> Model | None:
    """The shipped model, or None if the weights file is missing (then the rules decide)."""
    try:
        blob = resources.files("ringback.questions").joinpath(WEIGHTS_FILE).read_bytes()
    except FileNotFoundError:
        return None
    return Model.from_json(json.loads(gzip.decompress(blob)))
