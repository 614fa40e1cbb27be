"""Phone numbers in one form: E.164, read with the user's default region."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


class InvalidPhone(ValueError):
    pass


def to_e164(raw: str, region: str) -> str:
    """``'(415) 555-0137'`` → ``'+14155550137'``; raises :class:`InvalidPhone` with a reason."""
    text = raw.strip()
    if text.lower().startswith("tel:"):  # vCard 4.0 writes numbers as tel: URIs
        text = text[4:].strip()
    if not text:
        raise InvalidPhone("empty phone number")
    return _to_e164(text, region.upper())


# Imports repeat the same numbers (and parsing is the costly part of a 100k-row import).
@lru_cache(maxsize=65536)
def _to_e164(text: str, region: str) -> str:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{text!r} is not a phone number ({exc._msg})") from None
    # Checking the default region first is the cheap path (a North American number is
    # otherwise tried against some twenty regions); foreign numbers get the full check.
    if not (
        phonenumbers.is_valid_number_for_region(number, region)
        or phonenumbers.is_valid_number(number)
    ):
        raise InvalidPhone(
            f"{text!r} is not a valid phone number for region {region} "
            "(write it with +country code if it is foreign)"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def pretty(e164: str, extension: str | None = None) -> str:
    """E.164 → the international format people read: ``+1 415-555-0137``, and with an
    extension ``+1 415-555-0137 ext. 12``."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        shown = e164
    else:
        shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return f"{shown} ext. {extension}" if extension else shown


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
