"""Questions: tell open from closed questions, and suggest open ones worth asking.

``classify`` combines two layers:

* the hand-written rules (``classifier.py``), which alone decide the constructions
  this product defines as open questions but Switchboard's annotators filed
  elsewhere ("Tell me about your team" is an "action directive" there, "I need to
  know how you feel about ..." a statement);
* a small logistic-regression model (``model.py``) over the rules' verdict and
  word features, learned from Switchboard, which decides everything else.

A written question often comes after a statement ("You mentioned the new plant —
how is it going?"): each sentence is judged and the last question wins. If the
weights file is missing, the rules alone decide.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ringback.questions.classifier import Kind, analyse, classify_rules, clip
from ringback.questions.model import load

if TYPE_CHECKING:  # typed for callers; imported lazily at runtime (see __getattr__)
    from ringback.questions.bank import questions_for

# Rule verdicts that stand even when the model disagrees (see the module docstring).
DEFINED_OPEN = frozenset(
    {"invites a description", '"can you tell me ..."', "wh-question inside a statement"}
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\s+[\u2014\u2013]\s+|\s+-{1,2}\s+")


def _classify_sentence(text: str) -> Kind:
    verdict = analyse(text)
    if verdict.reason.removesuffix(", after a statement") in DEFINED_OPEN:
        return verdict.kind
    model = load()
    return model.predict(text) if model is not None else verdict.kind


def classify(text: str) -> Kind:
    """ "open" (what/how/why/tell me ...), "closed" (yes/no, either/or, tag) or "none"."""
    text = clip(text)  # a pasted megabyte must not take seconds
    sentences = [s for s in _SENTENCE.split(text.strip()) if s.strip()]
    if len(sentences) <= 1:
        return _classify_sentence(text)
    # The listener answers the last question asked, so read from the end.
    for sentence in reversed(sentences):
        kind = _classify_sentence(sentence)
        if kind != "none":
            return kind
    return "none"


def why(text: str) -> str:
    """A short reason for ``classify(text)``, for people reading the table."""
    kind = classify(text)
    verdict = analyse(text)
    model = load()
    if verdict.kind == kind or model is None:
        return verdict.reason if verdict.kind == kind else f"{verdict.reason} (rules)"
    p = model.probabilities(text)[kind]
    return f"learned from real phone calls ({p:.0%} sure); rules said {verdict.kind}"


def __getattr__(name: str) -> object:
    # The bank imports the contact models (SQLAlchemy); only pay for that when asked.
    if name == "questions_for":
        from ringback.questions.bank import questions_for

        return questions_for
    raise AttributeError(name)


__all__ = ["Kind", "classify", "classify_rules", "questions_for", "why"]
