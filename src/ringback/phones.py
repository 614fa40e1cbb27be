"""Phone numbers, the one place they are parsed and formatted (ground floor).

Everything in Ringback stores a number as E.164 (``+14155550137``), read with the user's
default region, and shows it in the international format people read
(``+1 415-555-0137``). Three ways to read one:

- :func:`to_e164`: a number or :class:`InvalidPhone` with the reason (what a person typed);
- :func:`e164_or_none`: a valid number or None (caller ID, a number said in a message);
- :func:`international`: parsed but not validated, for display and masking.

Only this module imports ``phonenumbers`` for parsing or formatting.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers


class InvalidPhone(ValueError):
    pass


def to_e164(raw: str, region: str) -> str:
    """``'(415) 555-0137'`` → ``'+14155550137'``; raises :class:`InvalidPhone` with a reason."""
    text = _clean(raw)
    if not text:
        raise InvalidPhone("empty phone number")
    e164, reason = _parse(text, region.upper())
    if e164 is None:
        raise InvalidPhone(reason)
    return e164


def e164_or_none(raw: str | None, region: str) -> str | None:
    """A valid number as E.164, or None (empty, not a number, or not valid for anywhere).
    A number written with ``+`` is read as international whatever ``region`` says."""
    text = _clean(raw or "")
    return _parse(text, region.upper())[0] if text else None


def _clean(raw: str) -> str:
    text = raw.strip()
    if text.lower().startswith("tel:"):  # vCard 4.0 writes numbers as tel: URIs
        text = text[4:].strip()
    return text


# Imports repeat the same numbers (and parsing is the costly part of a 100k-row import);
# reading a transcript tries the same digit splits again and again. The failure is a value,
# not an exception, so that it is cached too.
@lru_cache(maxsize=65536)
def _parse(text: str, region: str) -> tuple[str | None, str]:
    """(E.164, "") or (None, the reason it is not a number)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        return None, f"{text!r} is not a phone number ({exc._msg})"
    # Checking the default region first is the cheap path (a North American number is
    # otherwise tried against some twenty regions); foreign numbers get the full check.
    if not (
        phonenumbers.is_valid_number_for_region(number, region)
        or phonenumbers.is_valid_number(number)
    ):
        return None, (
            f"{text!r} is not a valid phone number for region {region} "
            "(write it with +country code if it is foreign)"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), ""


def international(raw: str, region: str | None = None) -> str | None:
    """``'(212) 555-0199'`` → ``'+1 212-555-0199'`` without checking that the number is
    valid (display and masking only), or None when it cannot be parsed at all."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def pretty(e164: str, extension: str | None = None) -> str:
    """E.164 → the international format people read: ``+1 415-555-0137``, and with an
    extension ``+1 415-555-0137 ext. 12``."""
    shown = international(e164) or e164
    return f"{shown} ext. {extension}" if extension else shown


def as_said_in(raw: str, region: str) -> str:
    """How a number is said to someone in ``region``: the national form for a number of that
    country (``(415) 555-0137``), else the international one; ``raw`` when unparseable."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return raw
    same_country = phonenumbers.region_code_for_number(number) == region
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if same_country
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def national_digits(e164: str) -> str:
    """``+14155550137`` → ``4155550137``: the number without its country code."""
    return phonenumbers.national_significant_number(phonenumbers.parse(e164, None))


def after_trunk_prefix(typed: str, region: str) -> tuple[int, str] | None:
    """A partial number typed the way people write it at home, split for searching:
    ``"07700 900"`` read as GB's → ``(44, "7700900")``, the region's country code and the
    digits after its national (trunk) prefix, both from phonenumbers' metadata for the
    region (``0`` in GB, AU and DE, ``8`` in RU, ``06`` in HU), so that the stored
    ``+447700900123`` is known to start ``+44`` ``7700900``.

    None when there is no trunk prefix to take off: ``typed`` is written with ``+`` (it is
    international already), its digits do not start with the prefix, the region has none
    (Italy keeps its 0 in E.164), or the prefix is the country code itself (``1`` in North
    America, where the digits as typed are already part of the number)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None or typed.lstrip().startswith("+"):
        return None
    prefix, country_code = metadata.national_prefix, metadata.country_code
    number = digits(typed)
    if country_code is None or not prefix or prefix == str(country_code):
        return None
    if not number.startswith(prefix):
        return None
    return country_code, number[len(prefix) :]


def is_region(code: str) -> bool:
    """Whether ``code`` is a region phone numbers are read for (``"US"``, ``"GB"``, …)."""
    return code in phonenumbers.SUPPORTED_REGIONS


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def is_mobile(e164: str, region: str | None = None) -> bool:
    """Whether ``e164`` is known to be a mobile number (a person's own phone). False where
    the numbering plan does not tell mobiles from landlines (the US and Canada)."""
    number = phonenumbers.parse(e164, region)
    return phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
