"""Email addresses, written ("john.smith@acme.com") or spoken ("john dot smith at acme dot com").

A spoken address is anchored on "at" followed by a domain that ends in a known top-level
domain, so "at the office" or "at two" never become addresses. The local part is read
backwards from "at" until a word that cannot be part of it ("email me at", "it's", "to").
Single letters said one by one ("s m i t h", "s-m-i-t-h") are joined: that is spelling.
"""

from __future__ import annotations

import re

from ringback.extract._text import wordset

_WRITTEN = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
_VALID = re.compile(
    r"[a-z0-9](?:[a-z0-9._+\-]*[a-z0-9])?@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,24}"
)
_TOKEN = re.compile(r"[a-z0-9][a-z0-9']*|[.@_+\-]")
_TLDS = wordset(
    """
    com org net edu gov mil io co us biz info ca uk me ai app dev law realty realtor
    homes house properties agency group email online tech us.com de fr au nz ie in
    """
)
_SEPARATORS = {
    "dot": ".",
    "period": ".",
    ".": ".",
    "underscore": "_",
    "_": "_",
    "dash": "-",
    "hyphen": "-",
    "-": "-",
    "plus": "+",
    "+": "+",
}
# Words that end the local part when reading backwards from "at".
_LOCAL_STOP = wordset(
    """
    at is it's its to me email e-mail mail address send sending reach write contact
    my your the a an and or me on by via from that's thats that which please it
    com net org spelled spell spelling like as just so um uh then this
    """
)
# "my email is a kowalski at ...": after these, "a" is an initial, not the article.
_INTRO = wordset("is it's email address that's")
_SEP_CHARS = frozenset("._-+")
_MAX_LOCAL_WORDS = 3
_MAX_LABEL_WORDS = 3


def _domain(tokens: list[str], i: int) -> str | None:
    """Read a spoken domain starting at tokens[i]."""
    labels: list[str] = []
    current: list[str] = []
    j = i
    while j < len(tokens):
        tok = tokens[j]
        if _SEPARATORS.get(tok) == ".":
            if not current:
                return None
            labels.append("".join(current))
            current = []
        elif _SEPARATORS.get(tok) == "-" and current:
            current.append("-")
        elif tok.replace("'", "").isalnum() and tok not in _SEPARATORS:
            # Spelled letters ("g m a i l") do not count towards the words of a label.
            if current and len([c for c in current if len(c) > 1]) >= _MAX_LABEL_WORDS:
                break
            if current and labels:
                break  # a TLD is one word; "gmail dot com and" ends here
            current.append(tok.replace("'", ""))
        else:
            break
        j += 1
    if current:
        labels.append("".join(current))
    # The last label must be a TLD; drop trailing non-TLD labels ("acme dot com dot so").
    while len(labels) >= 2 and labels[-1] not in _TLDS:
        labels.pop()
    if len(labels) < 2:
        return None
    return ".".join(labels)


def _local(tokens: list[str], at: int) -> str | None:
    parts: list[str] = []
    words = 0
    k = at - 1
    while k >= 0:
        tok = tokens[k]
        if tok in _SEPARATORS:
            if not parts:
                return None
            if tok == "-" and len(parts[0]) == 1 and k > 0 and len(tokens[k - 1]) == 1:
                k -= 1  # "s-m-i-t-h": the hyphen separates spelled letters
                continue
            parts.insert(0, _SEPARATORS[tok])
        elif tok in _LOCAL_STOP and not (
            tok == "a" and parts and (len(parts[0]) == 1 or (k > 0 and tokens[k - 1] in _INTRO))
        ):
            break
        elif tok.isalnum():  # words with an apostrophe ("it's") are never part of it
            if len(tok) > 1:
                words += 1
            if words > _MAX_LOCAL_WORDS:
                break
            parts.insert(0, tok)
        else:
            break
        k -= 1
    # A word said before spelled letters is an introduction, not part of the address.
    letters = 0
    for part in reversed(parts):
        if len(part) != 1 or not part.isalpha():
            break
        letters += 1
    if letters >= 3 and len(parts) > letters and parts[-letters - 1] not in _SEP_CHARS:
        parts = parts[-letters:]
    while parts and parts[0] in _SEP_CHARS:
        parts.pop(0)
    # With a spoken separator the address is the chain around it: in "at work jane dot doe"
    # the word before "jane" is context, while "p jones 1" (no separator) is joined whole.
    first_sep = next((i for i, p in enumerate(parts) if p in _SEP_CHARS), None)
    if first_sep is not None and first_sep > 1:
        parts = parts[first_sep - 1 :]
    return "".join(parts) or None


def extract_emails(text: str) -> list[str]:
    found: list[str] = []
    low = text.lower()
    for m in _WRITTEN.finditer(low):
        found.append(m.group().rstrip("."))
    # Spoken forms: remove written ones first so they are not read twice.
    spoken_text = _WRITTEN.sub(" ", low).replace(" at sign ", " @ ")
    tokens = _TOKEN.findall(spoken_text)
    for i, tok in enumerate(tokens):
        if tok not in ("at", "@"):
            continue
        domain = _domain(tokens, i + 1)
        if domain is None:
            continue
        local = _local(tokens, i)
        if local:
            found.append(f"{local}@{domain}")
    result: list[str] = []
    for email in found:
        if _VALID.fullmatch(email) and email not in result:
            result.append(email)
    return result
