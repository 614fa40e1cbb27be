"""Who called and for which company: "this is Sarah Chen with Northwind Logistics".

Transcripts may be all lower case, so a name cannot be recognised by its capital letters.
We rely on the introduction phrases people use on voicemail and on stop-words that end a
name ("this is Sarah calling about ...", "it's Mike again"). Phrases that look like an
introduction but are not ("this is about the house", "it's regarding the offer") are
rejected by the stop-word list: a missed name is better than a wrong one.
"""

from __future__ import annotations

import re

from ringback.extract._text import wordset

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


def caller_name(text: str) -> tuple[str | None, int]:
    """The caller's name and where it ends in text (-1 when there is none)."""
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
            return name, _end_after_words(head, start, used)
    return None, -1


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


def company(text: str, name_end: int) -> str | None:
    cased = _mixed_case(text)
    head = text[:800]
    if name_end >= 0:
        m = _AFTER_NAME.match(head, name_end)
        if m:
            found = _company_from(m.group(1), cased)
            if found:
                return found
    for m in _COMPANY_CUE.finditer(head):
        found = _company_from(m.group(1), cased)
        if found:
            return found
    return None


def caller(text: str) -> tuple[str | None, str | None]:
    """(caller name, company), each None when the message does not say it."""
    text = _FILLER.sub("", text)
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        text = text.lower()  # a shouted transcript carries no case information
    name, end = caller_name(text)
    if name and name.split()[-1].lower() in _BUSINESS_WORDS:
        # "this is Lakeside Dental calling": a business introducing itself.
        return None, name
    return name, company(text, end)
