"""Money and percentages: "$450,000", "four fifty k", "two point five million", "23 percent".

Runs on the normalised text, where number words are already digits and a trailing scale
word is kept ("450 thousand"). Output strings are canonical: "$450,000", "$4.50", "23%".
A bare number is money only with a cue (a currency sign or word, a k/M suffix, or a scale
word that is not followed by a unit such as "square feet"): prices matter, and a count of
houses read as dollars would be a wrong fact.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(k|m|mm|b|bn|thousand|million|billion|grand|mil)\b"
_SCALES = {
    "k": 1_000,
    "thousand": 1_000,
    "grand": 1_000,
    "m": 1_000_000,
    "mm": 1_000_000,
    "mil": 1_000_000,
    "million": 1_000_000,
    "b": 1_000_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
_NOT_MONEY_AFTER = (
    r"(?!\s*(?:square|sq\b|sqft|feet|foot|ft\b|miles?|acres?|people|units?|homes?|houses?"
    r"|views?|followers?|calls?|listings?|customers?|clients?|users?|subscribers?|times|"
    r"minutes?|hours?|years?|km|kilometers?|pounds?|lbs?|gallons?|steps?|copies|items?))"
)
_DOLLAR_SIGN = re.compile(r"\$\s?" + _NUM + r"(?:\s?" + _SCALE + r")?")
_WORDED = re.compile(r"(?<![\d.,$])" + _NUM + r"(?:\s?" + _SCALE + r")?\s*(?:dollars|bucks|usd)\b")
# Without a currency cue only spelled-out scales count: "4b" is a unit number, not billions.
_SCALED = re.compile(
    r"(?<![\d.,$])"
    + _NUM
    + r"\s?(k|thousand|million|billion|grand|mil)\b"
    + _NOT_MONEY_AFTER
    # "410 Grand Avenue" is an address.
    + r"(?!\s+(?:avenue|ave|street|st|boulevard|blvd|road|rd|drive|dr|lane|ln|way|parkway|"
    r"central|canyon|island|rapids|river|junction|prairie|marais|hotel|theater|theatre)\b)"
)
# "450,000" with thousands separators and no unit: Whisper writes prices this way.
_GROUPED = re.compile(r"(?<![\d.,$])(\d{1,3}(?:,\d{3})+)(?![\d,]|\.\d)" + _NOT_MONEY_AFTER)
_CENTS = re.compile(r"(?<![\d.,$])(\d+)\s*cents\b")
_PERCENT = re.compile(r"(?<![\d.,])(\d+(?:\.\d+)?)\s*(?:%|percent\b|per\s+cent\b)")
# "450 thousand" said about an area or a count must stay out; "k" alone is money only
# when it touches the number ("450k"), a spaced "k" is often a spelled letter.
_SPACED_K = re.compile(r"\d\s(?:k|m|b)\b")


def _amount(number: str, scale: str | None) -> Decimal | None:
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    if scale:
        value *= _SCALES[scale]
    return value


def format_money(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"${int(value):,}"
    return f"${value:,.2f}"


def format_percent(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return f"{text}%"


def extract_amounts(text: str) -> list[str]:
    """Amounts in order of appearance, canonical strings, no duplicates."""
    hits: list[tuple[int, int, str]] = []

    def add(start: int, end: int, value: str) -> None:
        if any(s < end and start < e for s, e, _ in hits):
            return
        hits.append((start, end, value))

    for m in _DOLLAR_SIGN.finditer(text):
        value = _amount(m.group(1), m.group(2))
        if value is not None:
            add(m.start(), m.end(), format_money(value))
    for m in _WORDED.finditer(text):
        value = _amount(m.group(1), m.group(2))
        if value is not None:
            add(m.start(), m.end(), format_money(value))
    for m in _PERCENT.finditer(text):
        add(m.start(), m.end(), format_percent(Decimal(m.group(1))))
    for m in _SCALED.finditer(text):
        if _SPACED_K.match(text, m.end(1) - 1) and m.group(2) in ("k", "m", "b"):
            continue
        value = _amount(m.group(1), m.group(2))
        if value is not None:
            add(m.start(), m.end(), format_money(value))
    for m in _GROUPED.finditer(text):
        value = _amount(m.group(1), None)
        if value is not None:
            add(m.start(), m.end(), format_money(value))
    for m in _CENTS.finditer(text):
        add(m.start(), m.end(), format_money(Decimal(m.group(1)) / 100))
    hits.sort()
    result: list[str] = []
    for _, _, canonical in hits:
        if canonical not in result:
            result.append(canonical)
    return result
