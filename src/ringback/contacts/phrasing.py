"""Back-story notes as phrases a message can say (issue 14 §4).

People take notes the way they think: "grow prod 20% this yr", "new job in Palo Alto starts
Mar 1", "plays tennis on wknds", "relocate the dental practice". Pasted into a template
("you mentioned new job in Palo Alto starts…", "a voicemail about relocate the…") they read
as a machine's. :func:`suggest_phrase` turns a note into a :class:`Phrase`, a *form* and a
*text* in the listener's terms, and each sentence frame asks the phrase for the part it
needs: :attr:`Phrase.mentioned` after "when we spoke, …", :attr:`Phrase.topic` after
"about", :attr:`Phrase.action` after "help you". A note that fits none of the shapes below
is quoted as written ("you mentioned: '…'"), never bent into a wrong sentence.

Why rules and not a statistical parser (spaCy's ``en_core_web_sm``): the official English
pipelines are published on GitHub releases, not PyPI; the PyPI packages of that name are
re-uploads by third parties whose provenance cannot be checked (issue 14 asks for it). The
job is also narrow: a note is one to fifteen words, and what decides the sentence is its
first word (a bare verb, a verb with -s, an -ing word, a determiner) and whether a finite
verb follows a subject. A tagger trained on news text guesses exactly those words worst in
telegraphic notes ("plays tennis wknds" has no subject), while a lexicon of the verbs that
notes about customers use, with English's regular inflections, gets them right and
deterministically, in microseconds and without a 12 MB model. The corpus in
``docs/examples/`` (``scripts/compose_examples.py``) and its tests hold the rules to that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ringback.contacts import phrase_words as pw

_TOKEN = re.compile(r"[\w'’/&%$.,-]+|\S")
_SEGMENT = re.compile(r"\s*(?:[;\n]|\.\s|,\s(?=\w+\s)|\s[-–—]\s|\s/\s|\s\+\s)\s*")
_GROW_VERBS = frozenset("grow increase cut reduce raise lower boost double".split())  # noqa: SIM905
_BARE_PERCENT = re.compile(r"^(\w+(?: \w+){0,3}?) (\d[\d.]*\s?%)")
MAX_PHRASE_WORDS = 14  # past this a phrase is a paragraph, not part of a 30-second message


@dataclass(frozen=True)
class Phrase:
    """A back-story item in the listener's terms, and the sentence parts built from it.

    ``form`` is "goal" (a base verb phrase they want: "grow production by 20% this year"),
    "noun" (a noun phrase: "your new job in Palo Alto starting March 1"), "clause" (a
    sentence about them: "hiring hygienists takes three months") or "quote" (a note that
    fits no shape, said back in quotation marks).
    """

    form: str
    text: str
    lead: str = "want"  # goals: "you want to …", "you need to …", "you hope to …"

    @property
    def mentioned(self) -> str:
        """After "when we spoke, …": "you mentioned you want to grow production…"."""
        if self.form == "goal":
            return f"you mentioned you {self.lead} to {self.text}"
        if self.form == "clause":
            return f"you mentioned that {self.text}"
        if self.form == "quote":
            return f"you mentioned: '{self.text}'"
        return f"you mentioned {self.text}"

    @property
    def topic(self) -> str | None:
        """After "about" or "coming back to"; None when only a whole sentence fits."""
        if self.form == "goal":
            return f"your plan to {self.text}"
        return self.text if self.form == "noun" else None

    @property
    def action(self) -> str | None:
        """After "help you": the goal's verb phrase, or None."""
        return self.text if self.form == "goal" else None

    @property
    def words(self) -> int:
        return len(self.text.split())


def _expand(word: str) -> str:
    key = word.lower().rstrip(".,")
    return pw.ABBREVIATIONS.get(key) or pw.CONTRACTIONS.get(key) or word


def _normalise(text: str) -> list[str]:
    """Words of a note with abbreviations, common typos and pronouns put right."""
    text = text.replace("’", "'").strip().rstrip(" .!;:,")
    words: list[str] = []
    for token in _TOKEN.findall(text):
        for part in _expand(token).split():
            low = part.lower()
            words.append(pw.SECOND_PERSON.get(low, part))
    joined = " ".join(words)
    joined = re.sub(r"(\d)\s+%", r"\1%", joined)  # "20 pct" → "20%"
    joined = pw.MONTH.sub(lambda m: f"{m.group(1)} {m.group(2).capitalize()}", joined)
    joined = pw.WEEKDAYS.sub(lambda m: m.group(1).capitalize() + m.group(2), joined)
    joined = re.sub(r"\s+([,.;:!?])", r"\1", joined)
    return joined.split()


def base_of_3sg(word: str) -> str | None:
    """ "plays" → "play", "coaches" → "coach", "has" → "have"; None when not a known verb."""
    low = word.lower()
    if low in pw.IRREGULAR_3SG:
        return pw.IRREGULAR_3SG[low]
    if not low.endswith("s") or len(low) < 3:
        return None
    for base in (
        low[:-3] + "y" if low.endswith("ies") else "",
        low[:-2] if low.endswith(("ches", "shes", "sses", "xes", "zes", "oes")) else "",
        low[:-1],
    ):
        if base and base in pw.VERBS:
            return base
    return None


def gerund(verb: str) -> str:
    """ "play" → "playing", "relocate" → "relocating", "get" → "getting"."""
    low = verb.lower()
    if low in ("be", "see", "ski", "free"):
        return low + "ing"
    if low.endswith("ie"):
        return low[:-2] + "ying"
    if low in pw.DOUBLED:
        return low + low[-1] + "ing"
    if low.endswith("e") and not low.endswith(("ee", "oe", "ye")):
        return low[:-1] + "ing"
    return low + "ing"


def _lower_first(words: list[str]) -> list[str]:
    first = words[0]
    # Keep names, acronyms and "I": only an ordinary word loses its capital.
    low = first.lower()
    if first[1:].islower() and (
        low in pw.COMMON_OPENERS
        or (low.endswith(pw.COMMON_SUFFIXES) and not low.endswith("'s"))
        or first.lower() in pw.VERBS
        or first.lower() in pw.DETERMINERS
        or first.lower() in pw.POSSESSABLE
        or first.lower().endswith(("ing", "ed"))
        or first.lower() in pw.SECOND_PERSON.values()
    ):
        return [first.lower(), *words[1:]]
    return words


def _by_percent(text: str, verb: str) -> str:
    """ "grow production 20%" → "grow production by 20%"."""
    if verb not in _GROW_VERBS or " by " in f" {text} ":
        return text
    return _BARE_PERCENT.sub(r"\1 by \2", text, count=1)


def _possessed(words: list[str]) -> list[str]:
    """ "new job in Palo Alto" → "your new job in Palo Alto" (a note drops the "her")."""
    first = words[0].lower()
    if first in pw.DETERMINERS or first.endswith("'s") or first not in pw.POSSESSABLE:
        return words
    return ["your", *words]


def _finite_at(words: list[str]) -> int:
    """Index of the first finite verb after a subject ("job … starts"), or -1."""
    for i, word in enumerate(words[1:], start=1):
        low = word.lower().rstrip(",")
        if low in ("is", "are", "was", "were", "can't", "won't", "doesn't", "don't", "takes"):
            return i
        if base_of_3sg(low) and words[i - 1].lower() not in pw.DETERMINERS:
            return i
        prev = words[i - 1].lower()
        if low in pw.VERBS and prev.endswith("s") and not prev.endswith(("ss", "'s")):
            return i  # a plural subject and its verb: "tenant complaints take days"
    return -1


def _shape(words: list[str], kind: str) -> Phrase | None:
    """The phrase for one segment of a note, or None when no shape fits."""
    if len(words) > 1 and words[0].lower() in ("you", "you're"):
        words = words[1:]  # "she wants to…" / "he's expanding…": the contact is the subject
    if words[0].lower() in pw.MODALS and len(words) > 1:  # "can't find hygienists"
        return Phrase("clause", " ".join(["you", pw.MODALS[words[0].lower()], *words[1:]]))
    text = " ".join(words)
    lead = pw.WANT_LEADS.match(text)
    if lead:
        rest = text[lead.end() :].split()
        first_word = lead.group().split()[0].lower()
        if rest and rest[0].lower() in pw.VERBS:
            rest = _lower_first(rest)
            verb = rest[0]
            return Phrase(
                "goal", _by_percent(" ".join(rest), verb), pw.LEAD_WORD.get(first_word, "want")
            )
        return None
    first = words[0].lower()
    goal_like = kind.endswith("_goal")
    if first in ("just", "recently") or first in pw.PAST:  # "just raised series A"
        return Phrase("clause", " ".join(["you", *_lower_first(words)]))
    if first == "into" and len(words) > 1:  # "into vintage motorcycles"
        return Phrase("noun", " ".join(words[1:]))
    if (goal_like and words[-1].lower() in pw.DONE) or (
        goal_like and len(words) > 2 and words[-3].lower() in pw.DONE
    ):  # "SOC 2 audit done by March" → "get SOC 2 audit done by March"
        return Phrase("goal", " ".join(["get", *words]))
    if first in pw.VERBS and first not in ("have", "be", "do", "go", "want", "need", "like"):
        words = _lower_first(words)
        if goal_like or kind == "challenge":
            return Phrase(
                "goal",
                _by_percent(" ".join(words), first),
                "need" if kind == "challenge" else "want",
            )
        return Phrase("noun", " ".join([gerund(first), *words[1:]]))  # "playing tennis on weekends"
    base = base_of_3sg(first)
    if base:  # the contact is the subject: "plays tennis", "has three kids", "starts a new job"
        rest = words[1:]
        if base in ("love", "like", "enjoy") and rest:
            return Phrase("noun", " ".join(_lower_first(rest)))  # "loves sailing" → "sailing"
        if base in ("want", "need") and rest and rest[0].lower() not in pw.VERBS:
            # "wants 200 new policies in Q1" → "you want to get 200 new policies in Q1"
            return Phrase("goal", " ".join(["get", *rest]), base)
        if base in ("want", "need", "hope", "plan"):
            return None  # "hopes a bigger office" → quote it rather than guess
        if kind == "interest":  # "plays tennis on weekends" → "playing tennis on weekends"
            return Phrase("noun", " ".join([gerund(base), *rest]))
        return Phrase("clause", " ".join(["you", base, *rest]))
    if first.endswith("ing") and len(first) > 4:
        words = _lower_first(words)
        if _finite_at(words) > 0:  # "onboarding new hires takes 2 weeks": a gerund subject
            return Phrase("clause", " ".join(words))
        if len(words) > 1 and words[1].lower() in pw.POSSESSABLE - {"new", "second", "first"}:
            words = [words[0], "your", *words[1:]]  # "moving office" → "moving your office"
        return Phrase("noun", " ".join(words))
    at = _finite_at(words)
    if at < 0:
        return _verbless(_possessed(_lower_first(words)))
    subject, verb, rest = words[:at], words[at].lower(), words[at + 1 :]
    subject = _possessed(_lower_first(subject))
    base = base_of_3sg(verb)
    if base in pw.EVENT_VERBS:  # "new job starts March 1" → "your new job starting March 1"
        return Phrase("noun", " ".join([*subject, gerund(base), *rest]))
    return Phrase("clause", " ".join([*subject, words[at], *rest]))


def _verbless(words: list[str]) -> Phrase:
    """A note without a verb: a noun phrase, or a clause when a predicate adjective follows
    its subject ("insurance payments slow" → "insurance payments are slow")."""
    for i, word in enumerate(words[1:], start=1):
        if words[i - 1].lower().endswith("ing"):
            break  # "son graduating high school": the participle is the predicate
        if word.lower().rstrip(",") in pw.PREDICATE_ADJECTIVES:
            if words[i - 1].lower() in pw.ADVERBS and i > 1:
                i -= 1  # "subcontractors always late" → "…are always late"
            head = words[i - 1].lower()
            plural = head.endswith("s") and not head.endswith(("ss", "us", "is"))
            return Phrase("clause", " ".join([*words[:i], "are" if plural else "is", *words[i:]]))
    return Phrase("noun", " ".join(words))


def suggest_phrase(note: str, kind: str = "") -> Phrase:
    """The phrase to say for a back-story ``note`` of ``kind`` (a BackStoryKind value).

    Run-on notes are read up to their first break (";", " - ", ", " before another clause):
    the first item is the one the message speaks to. A note no shape fits, or one too long
    to say in a 30-second message, comes back as a "quote" of the note as written.
    """
    note = " ".join(note.split())
    for segment in _SEGMENT.split(note)[:1]:
        words = _normalise(segment)
        if not words or len(words) > MAX_PHRASE_WORDS or "?" in segment:
            break
        phrase = _shape(words, kind)
        if phrase is not None and phrase.text:
            text = _determined(phrase.text, goal=phrase.form == "goal")
            return Phrase(phrase.form, _tidy(text), phrase.lead)
    return Phrase("quote", note.rstrip(" .;,"))


def _determined(text: str, *, goal: bool) -> str:
    """A bare singular count noun gets its determiner: "pay off SBA loan" → "pay off your
    SBA loan", "become top producer" → "become the top producer" (``pw.NEEDS_DETERMINER``).
    It goes where the noun phrase starts: after a preposition, after a goal's verb, or
    first; a phrase that already has one ("the", "your", "Dana's") is left as it is."""
    words = text.split()
    i = 0
    while i < len(words):
        key = words[i].lower().rstrip(",.")
        said = pw.NEEDS_DETERMINER.get(key)
        after = words[i + 1].lower() if i + 1 < len(words) else ""
        head = not after or words[i].endswith((",", ".")) or after in pw.HEAD_FOLLOWERS
        if said is None or not head:  # not a noun of the list, or "kitchen" in "kitchen jobs"
            i += 1
            continue
        if (goal and i == 0) or (i and words[i - 1].lower() in ("to", "you")):  # verbs
            i += 1
            continue
        j = i - 1
        while j >= 0 and words[j].lower() not in pw.PHRASE_START and not (goal and j == 0):
            low = words[j].lower()
            if low in pw.DETERMINERS or low.endswith("'s") or low in pw.SECOND_PERSON.values():
                break
            j -= 1
        if j >= 0 and words[j].lower() not in pw.PHRASE_START and not (goal and j == 0):
            i += 1
            continue  # it has one
        words.insert(j + 1, said)
        i += 2
    return " ".join(words)


def _tidy(text: str) -> str:
    text = re.sub(r"\b(\w+) \1\b", r"\1", text, flags=re.I)  # "the the" → "the"
    text = pw.A_BEFORE.sub(r"\1 a \2 \3", text)  # "expecting second baby" → "…a second baby"
    return text.rstrip(" ,.;:-")


def phrase_of(text: str, kind: str, accepted: str | None = None) -> Phrase:
    """The phrase a message uses: the one the user accepted or wrote, else the suggestion."""
    if accepted and accepted.strip():
        return suggest_phrase(accepted, kind)
    return suggest_phrase(text, kind)
