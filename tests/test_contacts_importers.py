"""Unit tests of the pieces behind `contacts import`: decoding, the CSV and vCard readers,
and the field readers the commands share."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ringback.contacts.fields import (
    direction_for,
    interaction_kind,
    normalise_email,
    parse_when,
    story_kind,
)
from ringback.contacts.importers.csv_reader import canonical, detect_format, read_csv
from ringback.contacts.importers.decode import decode
from ringback.contacts.importers.records import ImportFileError
from ringback.contacts.importers.vcard import read_vcard
from ringback.contacts.models import BackStoryKind, Direction, InteractionKind
from ringback.phones import to_e164


def test_decode_utf8_bom_cp1252_and_mixed_lines():
    assert decode("Zoë".encode("utf-8-sig"), name="f").text == "Zoë"
    assert decode("Zoë".encode("utf-8-sig"), name="f").encoding == "utf-8-sig"
    latin = decode("Zoë,Café €5".encode("cp1252"), name="f")
    assert latin.text == "Zoë,Café €5" and latin.encoding == "cp1252"
    mixed = decode("Zoë\n".encode() + "José\n".encode("cp1252") + b"ok", name="f")
    assert mixed.text == "Zoë\nJosé\nok" and mixed.fallback_lines == [2]
    with pytest.raises(ImportFileError, match="binary"):
        decode(b"\x00\x01\x02" * 100, name="f")
    with pytest.raises(ImportFileError, match="is empty"):
        decode(b"  \r\n", name="f")


def test_headers_from_both_vendors_fold_to_the_same_columns():
    assert canonical("First Name") == canonical("FirstName") == canonical("FIRSTNAME")
    assert detect_format(["Record ID", "First Name", "Phone Number"]) == "hubspot"
    assert detect_format(["First Name", "Account Name", "Mobile"]) == "salesforce"
    assert detect_format(["Name", "Email"]) == "csv"
    assert detect_format(["Make", "Model"]) is None


def test_csv_reader_maps_columns_and_labels_phones():
    text = (
        "First Name,Last Name,Phone,Mobile,Home Phone,Fax,Email,Account Name,Title,Contact Owner\n"
        "Bill,Turner,415-555-0199,650-555-0112,,415-555-0100,a@x.example;b@x.example,ABC,VP,Sam\n"
    )
    result = read_csv(text, name="f")
    [record] = result.records
    assert record.full_name == "Bill Turner"
    assert record.phones == [("415-555-0199", "work"), ("650-555-0112", "mobile")]  # no fax
    assert record.emails == ["a@x.example", "b@x.example"]
    assert (record.company, record.title, record.owner) == ("ABC", "VP", "Sam")
    assert record.row == 2 and record.line == 2
    assert any("Fax" in note for note in result.notes)


def test_csv_row_numbers_follow_the_spreadsheet_with_multiline_values():
    text = 'Name,Email,Description\nA,a@x.example,"two\nlines"\nB,b@x.example,x\n'
    rows = [r.row for r in read_csv(text, name="f").records]
    assert rows == [2, 4]


def test_hubspot_lifecycle_marks_leads():
    text = "First Name,Email,Lifecycle Stage\nA,a@x.example,Lead\nB,b@x.example,Customer\n"
    assert [r.is_lead for r in read_csv(text, name="f").records] == [True, False]


VCARD = (
    "BEGIN:VCARD\r\n"
    "VERSION:4.0\r\n"
    "FN:Ana R\r\n"
    " uiz\r\n"  # folding: CRLF + one space are removed, nothing else
    'TEL;VALUE=uri;TYPE="cell,voice":tel:+1-415-555-0137\r\n'
    "item2.TEL;TYPE=HOME;TYPE=VOICE:212-555-0100\r\n"
    "ORG:Ruiz\\, Hijos y Asociados;Ventas\r\n"
    "NOTE:line one\\nline two\\; done\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\n"
    "VERSION:2.1\r\n"
    "N:Doe;John;Q;;\r\n"
    "TEL;WORK;FAX:212-555-0199\r\n"
    "NOTE;ENCODING=QUOTED-PRINTABLE:Caf=C3=A9 =\r\n"
    "owner\r\n"
    "END:VCARD\r\n"
)


def test_vcard_reader_unfolds_unescapes_and_reads_types():
    result = read_vcard(VCARD, name="f")
    ana, john = result.records
    assert ana.full_name == "Ana Ruiz"
    assert ana.phones == [("tel:+1-415-555-0137", "mobile"), ("212-555-0100", "home")]
    assert ana.company == "Ruiz, Hijos y Asociados"
    assert ana.notes == ["line one\nline two; done"]
    assert (ana.row, ana.line) == (1, 1)
    assert john.full_name == "John Q Doe" and john.phones == []
    assert john.notes == ["Café owner"]
    assert (john.row, john.line) == (2, 10)
    assert to_e164(ana.phones[0][0], "US") == "+14155550137"


def test_vcard_reader_skips_broken_cards_and_keeps_going():
    text = "BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nFN:B\nEND:VCARD\nBEGIN:VCARD\nFN:C\n"
    result = read_vcard(text, name="f")
    assert [r.full_name for r in result.records] == ["B"]
    assert [(s.row, s.line) for s in result.skips] == [(1, 1), (3, 6)]
    with pytest.raises(ImportFileError, match="no vCards"):
        read_vcard("hello", name="f")


def test_story_and_interaction_kinds_accept_friendly_names():
    assert story_kind("personal") is BackStoryKind.PERSONAL_GOAL
    assert story_kind("Professional goal") is BackStoryKind.PROFESSIONAL_GOAL
    assert story_kind("life-event") is BackStoryKind.LIFE_EVENT
    assert interaction_kind("voicemail") is InteractionKind.VOICEMAIL_LEFT
    assert interaction_kind("Voicemail Received") is InteractionKind.VOICEMAIL_RECEIVED
    assert direction_for(InteractionKind.NOTE, None) is Direction.NONE
    with pytest.raises(ValueError, match="unknown back-story kind"):
        story_kind("gossip")


def test_times_without_a_zone_are_read_in_the_users_zone():
    tz = ZoneInfo("America/New_York")
    assert parse_when("2026-07-01 09:00", tz).astimezone(UTC) == datetime(
        2026, 7, 1, 13, 0, tzinfo=UTC
    )
    assert parse_when("2026-07-01", tz).hour == 9
    assert parse_when("2026-07-01T09:00Z", tz) == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_when("next tuesday", tz)


@pytest.mark.parametrize("bad", ["bill@", "@x.example", "bill@x", "a b@x.example", "a@x..example"])
def test_bad_emails(bad):
    with pytest.raises(ValueError):
        normalise_email(bad)


def test_good_email_is_lower_cased():
    assert normalise_email(" Bill.Turner+crm@ABC.Example ") == "bill.turner+crm@abc.example"


def test_a_long_note_is_read_not_refused():
    text = 'Name,Email,Description\nA,a@x.example,"' + "x" * 200_000 + '"\nB,b@x.example,ok\n'
    result = read_csv(text, name="f")
    assert [r.full_name for r in result.records] == ["A", "B"] and not result.skips
    assert len(result.records[0].notes[0]) == 200_000


def test_timezones_in_crm_spellings():
    from ringback.contacts.fields import normalise_timezone

    assert normalise_timezone("america_slash_new_york") == "America/New_York"
    assert normalise_timezone("America/New York") == "America/New_York"
    with pytest.raises(ValueError, match="IANA"):
        normalise_timezone("Eastern Time")
