"""Street addresses: "123 Main Street", "four fifty Elm Avenue apartment 2", "1600 Pennsylvania Ave NW".

Runs on the normalised text. A house number said in groups ("four fifty" -> "4 50") is
joined back into one number ("450"). An address needs a house number, one to three street
name words and a street type; unit, city, state and ZIP are taken when they follow.
Output: digits for numbers, title case for words, directions and state codes upper case:
"450 Elm Avenue, Apartment 2", "123 Main Street, Springfield, IL 62704".
"""

from __future__ import annotations

import re

from ringback.extract._text import Normalized, wordset

_STREET_TYPES = (
    "street|st|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl"
    "|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|trail|trl|square|sq|loop|alley|row|path"
    "|crescent|close|plaza|pike|turnpike|run|walk|point|ridge|crossing|cove|commons"
)
_DIRECTION = (
    r"(?:n|s|e|w|ne|nw|se|sw|north|south|east|west|northeast|northwest|southeast|southwest)"
)
# Words that can never be part of a street name; they show the number was not a house number.
_NOT_STREET = wordset(
    """
    a an the on at in of to for from and or is are was be by with my your our their his her
    it its this that these those i we you they he she me us them about around before after
    until than then so but if as up down over under into out no not yes one ones more less
    bedroom bedrooms bed beds bath baths bathroom bathrooms percent dollars bucks thousand
    million k pm am o'clock minutes hours days weeks months years times people homes houses
    offers units listings am pm today tomorrow tonight call calls please number
    """
)
_STATES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "florida": "FL", "georgia": "GA",
    "hawaii": "HI", "idaho": "ID", "illinois": "IL", "indiana": "IN", "iowa": "IA",
    "kansas": "KS", "kentucky": "KY", "louisiana": "LA", "maine": "ME", "maryland": "MD",
    "massachusetts": "MA", "michigan": "MI", "minnesota": "MN", "mississippi": "MS",
    "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
    "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY",
}  # fmt: skip
_STATE_CODES = set(_STATES.values()) | {"DC"}
_STATE_RE = (
    r"("
    + "|".join(sorted((re.escape(s) for s in _STATES), key=len, reverse=True))
    + r"|"
    + "|".join(c.lower() for c in sorted(_STATE_CODES))
    + r")"
)

_ADDRESS = re.compile(
    r"(?<![\d$.,:/])\b(\d{1,5}(?:[ -]\d{1,4}){0,2})\s+"  # house number, maybe in groups
    r"((?:" + _DIRECTION + r"\.?\s+)?)"
    r"((?:[a-z0-9][a-z0-9']*\s+){0,2}?[a-z][a-z0-9']*|\d{1,3}(?:st|nd|rd|th))\s+"
    r"(" + _STREET_TYPES + r")\b\.?"
    r"((?:\s+" + _DIRECTION + r"\b\.?)?)"
    r"(?:,?\s+(apartment|apt|unit|suite|ste|number|no|#)\.?\s*#?\s*(\d{1,5}[a-z]?|[a-z]\b))?"
)
# ", Springfield, IL 62704" / " in Austin Texas 78701" after the street.
_CITY_STATE = re.compile(
    r",?\s+(?:in\s+)?((?:[a-z]+\s+){0,2}?[a-z]+),?\s+" + _STATE_RE + r"\b\.?(?:,?\s+(\d{5}))?"
)
_ZIP_ONLY = re.compile(r",?\s+(\d{5})\b")
_UNIT_NAMES = {"apt": "Apartment", "ste": "Suite", "no": "Unit", "number": "Unit", "#": "Unit"}


def _house_number(raw: str) -> str:
    # "4 50" said "four fifty" -> 450; "12 05" said "twelve oh five" -> 1205.
    return "".join(raw.replace("-", " ").split())


def _title(words: str) -> str:
    out = []
    for w in words.split():
        if re.fullmatch(_DIRECTION, w.rstrip(".")) and len(w.rstrip(".")) <= 2:
            out.append(w.rstrip(".").upper())
        elif re.fullmatch(r"\d+(?:st|nd|rd|th)", w):
            out.append(w)
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def extract_addresses(norm: Normalized) -> list[tuple[str, tuple[int, int]]]:
    """Addresses with their span in the normalised text."""
    text = norm.text
    found: list[tuple[str, tuple[int, int]]] = []
    pos = 0
    while (m := _ADDRESS.search(text, pos)) is not None:
        # On a rejected match, retry just after its start: "one in 980 Lakeview Boulevard"
        # must still find 980 once "1 in 980 lakeview" has been refused.
        pos = m.start() + 1
        number, pre_dir, name, kind, post_dir, unit_kind, unit = m.groups()
        name_words = name.split()
        if any(w in _NOT_STREET for w in name_words):
            continue
        pos = m.end()
        house = _house_number(number)
        if len(house) > 6 or house.startswith("0"):
            continue
        street = _title(" ".join(p for p in (pre_dir.strip(), name, kind, post_dir.strip()) if p))
        parts = [f"{house} {street}"]
        if unit:
            label = _UNIT_NAMES.get(unit_kind, unit_kind.title())
            parts.append(f"{label} {unit.upper()}")
        end = m.end()
        tail = _CITY_STATE.match(text, end)
        if tail and not any(w in _NOT_STREET for w in tail.group(1).split()):
            state = tail.group(2)
            code = _STATES.get(state, state.upper())
            parts.append(_title(tail.group(1)))
            parts.append(code + (f" {tail.group(3)}" if tail.group(3) else ""))
            end = tail.end()
        else:
            zip_only = _ZIP_ONLY.match(text, end)
            if zip_only:
                parts[-1] += f" {zip_only.group(1)}"
                end = zip_only.end()
        address = ", ".join(parts)
        if all(address != a for a, _ in found):
            found.append((address, (m.start(), end)))
    return found
