"""Is this utterance an open question, a closed (yes/no) question, or not a question?

Hand-written rules, so that every label can be explained ("starts with an
auxiliary verb and a subject", "a tag question at the end"). Call transcripts
rarely carry reliable punctuation, so the rules look at words first and use a
final question mark only as extra evidence; spoken disfluencies ("uh", "you
know", "well, so") and restarts ("what, what about") are removed before the
words are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ringback.questions.lexicon import (
    AUX,
    BACKCHANNEL_PHRASES,
    BE,
    EMBEDDING_VERBS,
    HESITATIONS,
    INVERTING,
    LEADING_FILLERS,
    LEADING_PHRASES,
    NEG_AUX,
    NOT_TAG_BEFORE,
    OPEN_OPENERS,
    PRONOUN,
    SUBJECT,
    TAG_AUX,
    TAG_ENDINGS,
    TAG_PRONOUN,
    WH,
    WH_CONTRACTED,
)

Kind = Literal["open", "closed", "none"]

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_ASKED_CLAUSE = re.compile(r"([^,.;:!?\u2014\u2013]+)\?")
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    reason: str


def _words(text: str) -> list[str]:
    return _WORD.findall(text)


def _drop_restarts(words: list[str]) -> list[str]:
    """ "what kind of what kind of paint", "do you do you think": keep one copy."""
    out: list[str] = []
    for w in words:
        out.append(w)
        for n in (1, 2, 3):
            if len(out) >= 2 * n and out[-n:] == out[-2 * n : -n]:
                del out[-n:]
                break
    return out


def _drop_inner_fillers(words: list[str]) -> list[str]:
    """ "they do have you know group activities": "you know" / "i mean" as pure filler.

    Kept where they carry meaning: "do you know ...", "if you know", "what I mean".
    """
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = tuple(words[i : i + 2])
        prev = out[-1] if out else ""
        if (
            pair in (("you", "know"), ("i", "mean"))
            and out
            and prev not in AUX
            and prev not in NEG_AUX
            and prev not in WH
            and prev not in ("if", "as", "that", "what", "to", "now")
            and i + 2 < len(words)
        ):
            i += 2
            continue
        out.append(words[i])
        i += 1
    return out


def _strip(words: list[str]) -> list[str]:
    """Drop hesitations everywhere, fillers at the start, and immediate restarts."""
    words = [w for w in words if w not in HESITATIONS]
    changed = True
    while changed and words:
        changed = False
        for phrase in LEADING_PHRASES:
            if tuple(words[: len(phrase)]) == phrase and len(words) > len(phrase):
                words = words[len(phrase) :]
                changed = True
        if words and words[0] in LEADING_FILLERS and len(words) > 1:
            words = words[1:]
            changed = True
    return _drop_restarts(_drop_inner_fillers(words))


def _is_wh(word: str) -> bool:
    return word in WH or bool(WH_CONTRACTED.match(word))


def _starts(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> bool:
    return any(tuple(words[: len(p)]) == p for p in phrases)


def _wh_question(w: list[str], asked: bool) -> str | None:
    """Reason string if ``w`` (starting with a wh-word) reads as a question."""
    if len(w) == 1:
        return None  # a bare "what?" asks to repeat, it does not invite an answer
    first, second = w[0], w[1]
    # what/how/why rarely open a statement; when/where/who/which often open a
    # subordinate or relative clause ("when I was a kid", "which is a shame").
    strong = first.split("'")[0] in ("what", "how", "why")
    if WH_CONTRACTED.match(first):
        return "wh-word with a contracted verb" if strong or asked else None
    if second == "else" and first in ("what", "who", "where", "how"):
        return f'"{first} else ..."'
    if first in ("what", "how") and second == "about":
        return f'"{first} about ..."'
    if first == "how" and second == "come":
        return '"how come"'
    if first == "why" and second in ("don't", "not"):
        return None  # "why don't we ...": a suggestion, not a question to answer
    if second in AUX or second in NEG_AUX:
        # "which is a shame" is a relative clause; "when did the ..." / "where is it" ask.
        third = w[2] if len(w) > 2 else ""
        inverted = third in PRONOUN or (second not in BE and third in SUBJECT)
        if strong or asked or inverted:
            return "wh-word followed by a verb"
        return None
    if first in ("what", "who") and second.endswith("s") and len(w) > 2 and w[2] in ("you", "your"):
        return "wh-word as the subject"  # "what keeps you up at night", "what brings you here"
    # "what kind of house do you ...", "how long did you ...": an inverted verb soon after.
    # Not when a subject comes right after the wh-word: "what I found is that ..." is a
    # statement about what was found.
    for i in range(2, min(len(w) - 1, 10) if second not in PRONOUN else 2):
        if w[i] in AUX and (w[i + 1] in PRONOUN or (w[i] in INVERTING and w[i + 1] in SUBJECT)):
            return "wh-phrase followed by an inverted verb"
    if asked and (second not in ("a", "an") or not strong):
        return "wh-word, question mark"
    return None


def _embedding_at(w: list[str], i: int) -> bool:
    """Whether ``w[i]`` introduces an indirect question ("I need to know", "I wonder")."""
    word = w[i]
    if word not in EMBEDDING_VERBS:
        return False
    if word == "know":
        # "need to know how you ..." asks; "you know how it is" and "I don't know how
        # you do it" (a remark, in most calls) do not.
        return i > 0 and w[i - 1] == "to"
    return True


def _embedded_open(w: list[str]) -> bool:
    """ "I need to know how you feel about ...", "I'm curious what you think"."""
    for i in range(len(w) - 2):
        if _embedding_at(w, i):
            j = i + 2 if w[i + 1] == "about" else i + 1
            if (
                j < len(w)
                and w[j] in WH
                and "you" in w[j + 1 : j + 5]
                and "mean" not in w[j : j + 6]
            ):
                return True
    return False


def _embedded_closed(w: list[str]) -> bool:
    """ "I was wondering if you ...", "I don't know whether you've been there"."""
    for i in range(len(w) - 2):
        if _embedding_at(w, i) and w[i + 1] in ("if", "whether") and w[i + 2] in SUBJECT:
            return "you" in w[i + 2 : i + 5] or "your" in w[i + 2 : i + 5]
    return False


def _clause(words: list[str], asked: bool) -> Verdict | None:
    w = _strip(words)
    if not w:
        return None
    first = w[0]
    if first == "or" and len(w) > 1:
        inverted = (w[1] in AUX or w[1] in NEG_AUX) and len(w) > 2 and w[2] in SUBJECT
        if inverted or asked:
            return Verdict("closed", 'alternative question ("or do you ...")')
        w = w[1:]
        first = w[0]
    if _starts(w, OPEN_OPENERS):
        return Verdict("open", "invites a description")
    if (
        first in AUX
        and len(w) > 2
        and w[1] in ("you", "ya")
        and w[2] in ("tell", "describe", "explain")
    ):
        return Verdict("open", '"can you tell me ..."')
    if _is_wh(first):
        reason = _wh_question(w, asked)
        if reason:
            return Verdict("open", reason)
    if _embedded_open(w):
        return Verdict("open", "wh-question inside a statement")
    if first in NEG_AUX and len(w) == 3 and w[1] in ("that", "it", "this"):
        return None  # "isn't that wonderful": an exclamation
    if first in NEG_AUX and len(w) > 1 and w[1] in SUBJECT:
        return Verdict("closed", "negative auxiliary first (tag or yes/no question)")
    if first in AUX and len(w) > 1 and w[1] in SUBJECT:
        if len(w) == 2 and asked:
            # "did you?", "is it?": an echo that shows attention, not a question to answer.
            return None
        if len(w) == 2:
            return None
        return Verdict("closed", "auxiliary verb before its subject")
    if _embedded_closed(w):
        return Verdict("closed", "yes/no question inside a statement")
    return None


# Words that, right before "do it" / "was it", show the auxiliary is a main verb or an
# ellipsis ("had to do it", "so do I", "we did it"), not a tag question.
def _tag(words: list[str]) -> bool:
    """ "..., isn't it", "... do you", "..., don't you think" at the end of a statement."""
    if len(words) < 3:
        return False
    last2, last = words[-2], words[-1]
    if last2 in NEG_AUX and last in TAG_PRONOUN:
        return True
    if len(words) >= 4 and last2 in TAG_AUX and last in TAG_PRONOUN:
        # "do it" / "did it" is usually the main verb ("let my son do it").
        return words[-3] not in NOT_TAG_BEFORE and not (
            last == "it" and last2 in ("do", "does", "did")
        )
    return words[-3] in NEG_AUX and last2 in TAG_PRONOUN and last == "think"


MAX_CHARS = 2000


def clip(text: str) -> str:
    """Keep the start and the end of a very long line: that is where a question shows.

    A pasted 10 MB "utterance" would otherwise cost seconds of rule matching.
    """
    if len(text) <= MAX_CHARS:
        return text
    return text[: MAX_CHARS // 2] + " ... " + text[-MAX_CHARS // 2 :]


def analyse(text: str) -> Verdict:
    """The kind of ``text`` and the rule that decided it."""
    text = clip(text).translate(_APOSTROPHES).lower().strip()
    asked = text.endswith("?")
    words_all = _strip(_words(text))
    if not words_all:
        return Verdict("none", "no words")
    phrase = " ".join(words_all)
    if asked and phrase in BACKCHANNEL_PHRASES:
        return Verdict("none", "a reaction, not a question")

    verdict = _clause(_words(text), asked)
    if verdict is None and asked:
        # A question can follow a statement in the same turn ("I loved it there, what
        # did you think?"): read the clauses that end in a question mark, last first.
        for clause in reversed(_ASKED_CLAUSE.findall(text)):
            found = _clause(_words(clause), True)
            if found is not None:
                verdict = Verdict(found.kind, f"{found.reason}, after a statement")
                break
    if verdict is not None:
        return verdict
    if _tag(words_all):
        return Verdict("closed", "tag question at the end")
    if asked:
        if len(words_all) == 1 and words_all[0] in TAG_ENDINGS:
            return Verdict("closed", "tag question")
        if words_all[-1] in TAG_ENDINGS and len(words_all) > 2:
            return Verdict("closed", 'statement with "right?"')
        return Verdict("closed", "statement ending in a question mark")
    return Verdict("none", "no question form")


def classify_rules(text: str) -> Kind:
    """ "open" (what/how/why/tell me ...), "closed" (yes/no, either/or, tag) or "none"."""
    return analyse(text).kind
