"""The one phone-number module (ringback.phones): parse to E.164, format, a valid number or None."""

from __future__ import annotations

import pytest

from ringback.phones import (
    InvalidPhone,
    as_said_in,
    digits,
    e164_or_none,
    international,
    is_region,
    national_digits,
    pretty,
    to_e164,
)


@pytest.mark.parametrize(
    "raw",
    ["(415) 555-0137", "415.555.0137", "+1 415 555 0137", "tel:+1-415-555-0137", " 4155550137 "],
)
def test_every_way_of_writing_a_number_is_one_e164(raw: str) -> None:
    assert to_e164(raw, "US") == "+14155550137"
    assert e164_or_none(raw, "us") == "+14155550137"


def test_a_foreign_number_is_read_with_its_country_code() -> None:
    assert to_e164("+44 20 7946 0958", "US") == "+442079460958"
    assert to_e164("020 7946 0958", "GB") == "+442079460958"


@pytest.mark.parametrize("raw", ["", "   ", "tel:", "Anonymous", "12", "555-0100"])
def test_not_a_valid_number_is_an_error_with_a_reason_or_none(raw: str) -> None:
    with pytest.raises(InvalidPhone) as info:
        to_e164(raw, "US")
    assert str(info.value)
    assert e164_or_none(raw, "US") is None
    assert isinstance(info.value, ValueError)  # callers that catch ValueError keep working


def test_none_is_no_number() -> None:
    assert e164_or_none(None, "US") is None


def test_pretty_is_the_international_format_with_an_extension() -> None:
    assert pretty("+14155550137") == "+1 415-555-0137"
    assert pretty("+14155550137", "12") == "+1 415-555-0137 ext. 12"
    assert pretty("not a number") == "not a number"


def test_international_does_not_validate() -> None:
    assert international("(212) 555-0199", "US") == "+1 212-555-0199"
    assert international("Anonymous", "US") is None


def test_as_said_in_is_national_at_home_and_international_abroad() -> None:
    assert as_said_in("+14155550137", "US") == "(415) 555-0137"
    assert as_said_in("+442079460958", "US") == "+44 20 7946 0958"
    assert as_said_in("no number", "US") == "no number"


def test_small_helpers() -> None:
    assert national_digits("+14155550137") == "4155550137"
    assert digits("(415) 555-0137 ext. 12") == "415555013712"
    assert is_region("GB") and not is_region("XX")
