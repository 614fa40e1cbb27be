"""Who called and for which company: "this is Sarah Chen with Northwind Logistics".

Transcripts may be all lower case, so a name cannot be recognised by its capital letters.
We rely on the introduction phrases people use on voicemail and on stop-words that end a
name ("this is Sarah calling about ...", "it's Mike again"). Phrases that look like an
introduction but are not ("this is about the house", "it's regarding the offer") are
rejected by the stop-word list: a missed name is better than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ringback.extract._text import wordset

# Below this a name or company is shown as "(unsure)" and is not written into a contact
# until the user captures the message. The scores are cues, not probabilities:
#   0.9  "my name is / this is NAME", "NAME from COMPANY", a company ending in a business
#        word ("Lopez Realty", "Acme Inc") -- the way people introduce themselves;
#   0.7  a company after "from" / "calling from" / "on behalf of" without a business word;
#   0.5  a name from "I'm" in a transcript without capitals ("i'm stuck"), or a
#        company after the looser "with" / "at" ("with Tuesday", "at the Pines") with no
#        business word: as often a time, a place or an activity as a company.
UNSURE_FACT = 0.6

_NAME_WORD = r"(?:(?:[Mm]rs?|[Mm]s|[Dd]r)\.|[A-Za-z][A-Za-z'\-]*)"
# Words that can follow "this is" / "it's" / "I'm" but are never part of a name.
_NOT_NAME = wordset(
    """
    a an the about regarding in re concerning just calling call here from with at and again
    me my your our his her their i im i'm it is was so um uh uhm hi hello hey yes yeah no not
    following following-up returning getting looking interested trying wondering reaching
    wanting hoping going gonna checking sorry back urgent important quick really very still
    also actually only over on to for of that this there what who why how when if we you they
    lets its do did does have had has got get just wanted want need needs will would can could be
    nobody somebody someone everyone anyone everybody anybody nothing something everything
    unit apartment suite apt been kind sort such quite super pretty totally probably maybe
    were we're theyre were your calling
    he she regards sure okay ok well thanks thank please today tomorrow tonight
    your's good great fine glad happy ready available free out busy done new one two three
    call leaving left leave message voicemail number phone cell office home mister
    monday tuesday wednesday thursday friday saturday sunday morning afternoon evening
    """
)
_COMPANY_STOP = wordset(
    """
    and i i'm im we we're calling call about regarding concerning to just so but because
    please if who that which with at from in on for my your our his her their a an the this
    um uh again here there give can could would will you it's its is was hoping wanted
    wanting looking following returning reaching trying today tomorrow yesterday number
    phone cell office home again also were all lets do did have had has need needs will be
    been got get it send sending sent email emailing text texting sign bring tell let give
    wanted want wants saw see
    """
)
# First word of a company phrase that shows it is not a company ("with a quick question").
_NOT_COMPANY_START = wordset(
    """
    a an the your my our his her their this that regard regards respect reference
    about me you him them us it some any one two three four five six seven eight nine ten all
    least most once
    """
)
_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|miss|dr|doctor)\.?$", re.IGNORECASE)
_TITLE_CASE_SPECIAL = re.compile(r"^(mc|mac|o')([a-z])", re.IGNORECASE)

_INTRO = re.compile(
    r"\b(?:this\s+is|it'?s|it\s+is|my\s+name\s+is|my\s+name'?s|name'?s|i'?m|i\s+am|"
    r"you'?ve\s+reached|hey\s+it'?s|speaking\s+with)\s+("
    + _NAME_WORD
    + r"(?:\s+"
    + _NAME_WORD
    + r"){0,3})",
    re.IGNORECASE,
)
# "Sarah here from Northwind" / "Hi, Maria Gonzalez from Coastal Realty": at the very start.
_GREETING_NAME = re.compile(
    r"^\W*(?:(?:hi|hey|hello|yeah|good\s+(?:morning|afternoon|evening))\b\W*)*("
    + _NAME_WORD
    + r"(?:\s+"
    + _NAME_WORD
    + r"){0,2}?)\s*,?\s+(?=here\b|from\b|with\b|calling\s+from\b)",
    re.IGNORECASE,
)
# "Hey John, Sarah here": a name then "here" after a greeting or a comma.
_NAME_HERE = re.compile(
    r"(?:^|[,.!?]\s*|\b(?:hi|hey|hello)\s+)("
    + _NAME_WORD
    + r"(?:\s+"
    + _NAME_WORD
    + r")?)\s+here\b",
    re.IGNORECASE,
)
# Right after the name: "..., from Northwind", "here with Acme", "calling from Acme".
_AFTER_NAME = re.compile(
    r"\s*,?\s*(?:here\s+|calling\s+|over\s+)?(?:from|with|at|of)\s+(" + r"[^\s].{0,60})",
    re.IGNORECASE | re.DOTALL,
)
# Anywhere: unambiguous company introductions.
_COMPANY_CUE = re.compile(
    r"\b(?:calling\s+from|on\s+behalf\s+of|i\s+work\s+(?:for|at|with)|i'?m\s+with|we'?re\s+with|"
    r"representing|i'?m\s+(?:the|a|an)\s+(?:[a-z]+\s+){1,3}?(?:at|with|for))\s+([^\s].{0,60})",
    re.IGNORECASE | re.DOTALL,
)
_FILLER = re.compile(r"\b(?:u+m+|u+h+|uhm|e+r+m*|a+h+|hmm+)\b[,.]?\s*", re.IGNORECASE)
_CAP_WORD = re.compile(r"\b([A-Z][a-z']+)")
_ALWAYS_CAPS = frozenset({"I", "I'm", "I'll", "I've", "I'd", "OK", "Okay"})
# A contraction ends a name or company ("it's", "I'll", "we're"), an O' name does not.
_CONTRACTION = re.compile(r"'(?:s|ll|re|m|d|ve|t)$", re.IGNORECASE)
_WORDS = re.compile(r"\S+")
_BUSINESS_WORDS = wordset(
    """
    dental realty realtors insurance bank lending mortgage title escrow group llc inc corp
    company co associates partners properties homes clinic clinics office services solutions
    logistics capital management agency law plumbing electric roofing construction motors
    """
)
_ALWAYS_LOWER = wordset("i i'm i'll i've i'd the a an")


def _mixed_case(text: str) -> bool:
    """Whether the transcript capitalises names: some capital inside a sentence."""
    for m in _CAP_WORD.finditer(text):
        if m.group(1) not in _ALWAYS_CAPS and m.start() > 0 and text[m.start() - 1] == " ":
            before = text[: m.start()].rstrip()
            if before and before[-1] not in ".!?":
                return True
    return False


def _title(word: str) -> str:
    if any(c.isupper() for c in word[1:]):
        return word  # keep "McDonald", "NW", "LLC" as the transcript wrote them
    word = word[:1].upper() + word[1:].lower()
    return _TITLE_CASE_SPECIAL.sub(lambda m: m.group(1).title() + m.group(2).upper(), word)


def _name_from(words: list[str], cased: bool) -> tuple[str | None, int]:
    """The name at the start of words, and how many words it used."""
    kept: list[str] = []
    used = 0
    limit = 3 if cased else 2  # without capitals, a third word is more often a verb
    for raw in words:
        w = raw.rstrip(".,;:!?")
        low = w.lower()
        if _HONORIFIC.match(w) and not kept:
            kept.append(_title(w.rstrip(".")) + ".")
            used += 1
            continue
        if (
            low in _NOT_NAME
            or _CONTRACTION.search(low)
            or not w.replace("'", "").replace("-", "").isalpha()
            or (len(w) == 1 and not cased)
        ):
            break
        if cased and not w[:1].isupper():
            break  # the transcript has capitals, so a lower-case word is not a name
        kept.append(_title(w))
        used += 1
        if raw != w:
            break  # punctuation closes the name
        if len([k for k in kept if not k.endswith(".")]) >= limit:
            break
    if not [k for k in kept if not k.endswith(".")]:
        return None, 0
    return " ".join(kept), used


def _end_after_words(text: str, start: int, count: int) -> int:
    end = start
    for i, m in enumerate(_WORDS.finditer(text, start)):
        if i >= count:
            break
        end = m.end()
    return end


# "i'm stuck", "i am back": without capitals, "I'm" is as often a state as a name.
_LOOSE_INTRO = re.compile(r"\b(?:i'?m|i\s+am)\s+$", re.IGNORECASE)


def caller_name(text: str) -> tuple[str | None, int]:
    """The caller's name and where it ends in text (-1 when there is none)."""
    name, end, _ = caller_name_scored(text)
    return name, end


def caller_name_scored(text: str) -> tuple[str | None, int, float]:
    """The caller's name, where it ends (-1: none) and how sure its cue is."""
    cased = _mixed_case(text)
    head = text[:600]  # people introduce themselves at the start
    candidates = []
    m = _GREETING_NAME.search(head)
    if m:
        candidates.append(m.start(1))
    candidates += [m.start(1) for m in _INTRO.finditer(head)]
    candidates += [m.start(1) for m in _NAME_HERE.finditer(head[:200])]
    for start in candidates:
        name, used = _name_from(head[start : start + 120].split()[:4], cased)
        if name:
            # "I'm Karen" reads as a name when capitals say so; "i'm stuck" does not.
            loose = _LOOSE_INTRO.search(head[max(0, start - 8) : start]) and not cased
            return name, _end_after_words(head, start, used), 0.5 if loose else 0.9
    return None, -1, 0.0


def _company_from(phrase: str, cased: bool) -> str | None:
    words = phrase.split()
    kept: list[str] = []
    after_the = False
    for i, raw in enumerate(words[:6]):
        w = raw.rstrip(".,;:!?")
        low = w.lower()
        if i == 0 and (low in _NOT_COMPANY_START or low[:1].isdigit()):
            if low == "the" and cased and len(words) > 1 and words[1][:1].isupper():
                after_the = True  # "from the Northwind Group"
                continue
            return None
        connector = low in ("and", "&", "of")
        # With capitals in the transcript, a capitalised word belongs to the name ("Delta
        # Office Supply") whatever it means on its own.
        capitalised = cased and w[:1].isupper() and low not in _ALWAYS_LOWER
        stop = low in _COMPANY_STOP or _CONTRACTION.search(low)
        if stop and not capitalised and not (connector and cased):
            break
        if cased and not (w[:1].isupper() or w[:1].isdigit() or connector):
            if after_the and not stop:
                return None  # "with the Johnson family": a description, not a company
            break
        if not w:
            break
        kept.append(w if cased else _title(w))
        if raw != w and not raw.endswith("."):
            break  # punctuation closes the company name
        if raw != w and not (w.isupper() or low in ("inc", "co", "corp", "ltd", "llc")):
            break
    while kept and kept[-1].lower() in ("and", "&", "of"):
        kept.pop()
    return " ".join(kept[:4]) or None


_MONTHS = wordset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    """
)
_DAYS = wordset(
    """
    monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight
    yesterday morning afternoon evening noon midnight weekend week month year
    """
)
_ORDINAL_OR_NUMBER = re.compile(r"^(?:\d+(?:st|nd|rd|th)?|\d+[:.]\d+|[ap]\.?m\.?)$", re.I)


def date_like(phrase: str) -> bool:
    """Whether ``phrase`` reads as a date, a time or a number ("May 9th", "Tuesday", "3 pm")
    rather than a company: recogniser noise that must never be stored as one."""
    words = [w.strip(".,;:!?'").lower() for w in phrase.split()]
    words = [w for w in words if w]
    if not words:
        return True
    if any(w in _DAYS for w in words):
        return True
    numeric = [w for w in words if _ORDINAL_OR_NUMBER.match(w) or w.isdigit()]
    if len(numeric) * 2 >= len(words):
        return True
    # "May 9th", "9th of June": a month next to a number
    return any(w in _MONTHS for w in words) and bool(numeric)


def _company_scored(phrase: str, cased: bool, sure: float) -> tuple[str | None, float]:
    found = _company_from(phrase, cased)
    if not found or date_like(found):
        return None, 0.0
    if found.split()[-1].lower() in _BUSINESS_WORDS:
        return found, 0.9
    return found, sure


def company_scored(text: str, name_end: int) -> tuple[str | None, float]:
    """The company and how sure the cue that gave it is (see :data:`UNSURE_FACT`)."""
    cased = _mixed_case(text)
    head = text[:800]
    if name_end >= 0:
        m = _AFTER_NAME.match(head, name_end)
        if m:
            loose = re.match(r"\s*,?\s*(?:here\s+|over\s+)?(?:with|at|of)\b", head[name_end:], re.I)
            found, score = _company_scored(m.group(1), cased, 0.5 if loose else 0.9)
            if found:
                return found, score
    for m in _COMPANY_CUE.finditer(head):
        found, score = _company_scored(m.group(1), cased, 0.7)
        if found:
            return found, score
    return None, 0.0


def company(text: str, name_end: int) -> str | None:
    return company_scored(text, name_end)[0]


@dataclass(frozen=True)
class Caller:
    """Who called, with how sure each part is (0 when absent; see :data:`UNSURE_FACT`)."""

    name: str | None = None
    company: str | None = None
    name_confidence: float = 0.0
    company_confidence: float = 0.0


def caller_scored(text: str) -> Caller:
    """The caller's name and company with a confidence for each."""
    text = _FILLER.sub("", text)
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        text = text.lower()  # a shouted transcript carries no case information
    name, end, sure = caller_name_scored(text)
    if name and name.split()[-1].lower() in _BUSINESS_WORDS:
        # "this is Lakeside Dental calling": a business introducing itself.
        return Caller(None, name, 0.0, 0.9)
    found, score = company_scored(text, end)
    return Caller(name, found, sure if name else 0.0, score)


def caller(text: str) -> tuple[str | None, str | None]:
    """(caller name, company), each None when the message does not say it."""
    found = caller_scored(text)
    return found.name, found.company
