"""The callback number heard, checked against the caller ID (issue 14 §2).

Units of the comparison on transcript text; the email built from a voicemail whose number
is unsure (subject and invite say "check"); then the whole inbox pipeline with the real
extractor and notifier (Maildir) on SQLite and PostgreSQL, and ``inbox show``, for the
message seen on main: eleven digits heard, two lines above a caller ID they nearly match.
"""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from ringback.config import Settings
from ringback.extract import extract_callback_number
from ringback.extract.callback import UNSURE_NUMBER, CallbackNumber
from ringback.mail import build_voicemail_email
from ringback.voicemail.facts import MessageFacts
from tests.conftest import Cli
from tests.support.mail import make_settings, parts_of, reparse, sample_vm
from tests.support.pipeline import SaidTranscriber, speech_8k, wav_bytes

CALLER_ID = "+16505550199"


def heard(text: str, caller_id: str | None = CALLER_ID, region: str = "US") -> CallbackNumber:
    return extract_callback_number(text, caller_id=caller_id, region=region)


def test_one_digit_off_in_the_area_code_is_the_caller_id_misheard() -> None:
    number = heard("Call me back at 651 555 0199, thanks.")
    assert number.e164 == CALLER_ID and number.confidence < UNSURE_NUMBER
    assert number.check is not None and number.check.near and number.check.edits == 1
    assert number.check.used_is == "caller_id" and number.check.other == "+16515550199"
    assert "caller ID is used" in number.check.reason and "+1 651-555-0199" in number.check.reason


def test_two_digits_off_is_the_caller_id_misheard() -> None:
    number = heard("Call me back at 650 535 0189.")
    assert number.e164 == CALLER_ID and number.confidence < UNSURE_NUMBER
    assert number.check is not None and number.check.edits == 2
    assert number.check.other == "+16505350189"


def test_off_only_in_the_last_digits_may_be_another_line_so_it_is_kept_and_flagged() -> None:
    # A direct line beside the switchboard differs in its last digits, as a slip would.
    number = heard("Call me back at 650 555 0142.")
    assert number.e164 == "+16505550142" and number.confidence < UNSURE_NUMBER
    assert number.check is not None and number.check.near
    assert number.check.used_is == "heard" and number.check.other == CALLER_ID
    assert "another line at the same place, or misheard" in number.check.reason


@pytest.mark.parametrize(
    "said",
    [
        "Call me at 6, 5, 0, 5, 5, 0, 1, 5, 9, 9, 9.",  # the message seen on main: eleven digits
        "Call me at 6, 5, 0, 5, 5, 5, 0, 1, 9, 9, 9.",  # one digit too many
    ],
)
def test_a_digit_too_many_is_never_a_confident_different_number(said: str) -> None:
    number = heard(said)
    assert number.e164 == CALLER_ID and number.confidence < UNSURE_NUMBER
    assert number.check is not None and number.check.near
    assert number.check.used_is == "caller_id"
    # Without a caller ID the leftover digit still says the number is not sure.
    alone = heard(said, caller_id=None)
    assert alone.found and alone.confidence < UNSURE_NUMBER and alone.check is None


def test_a_digit_too_few_falls_back_to_the_caller_id_as_before() -> None:
    number = heard("Call me at 650 555 019.")
    assert number.e164 == CALLER_ID and number.source == "caller_id"
    assert number.confidence < UNSURE_NUMBER


def test_said_twice_the_same_way_the_heard_number_stands() -> None:
    number = heard("Call 651 555 0199. Again, 651 555 0199.")
    assert number.e164 == "+16515550199" and number.confidence >= UNSURE_NUMBER
    assert number.check is not None and number.check.used_is == "heard"
    assert number.check.other == CALLER_ID and "said twice the same way" in number.check.reason


def test_an_entirely_different_number_is_a_real_one_and_not_flagged_for_it() -> None:
    number = heard("Call me back on my cell, 415 555 0137.")
    plain = heard("Call me back on my cell, 415 555 0137.", caller_id=None)
    assert number.e164 == "+14155550137" and number.confidence == plain.confidence
    assert number.check is not None and not number.check.near and number.check.edits > 2
    assert "switchboard" in number.check.reason


@pytest.mark.parametrize("caller_id", [None, "", "anonymous", "Restricted", "+266696687"])
def test_a_blocked_or_absent_caller_id_changes_nothing(caller_id: str | None) -> None:
    number = heard("Call me back at 651 555 0199.", caller_id=caller_id)
    assert number.e164 == "+16515550199" and number.check is None
    assert number.confidence >= UNSURE_NUMBER


def test_a_mobile_caller_id_is_the_callers_own_phone() -> None:
    # UK numbering tells mobiles apart: a slip off the caller's own mobile is that mobile.
    number = heard("Call me on 07911 123457.", caller_id="+447911123456", region="GB")
    assert number.e164 == "+447911123456" and number.confidence >= UNSURE_NUMBER
    assert number.check is not None and "a mobile number" in number.check.reason


def test_the_check_is_stored_and_read_back() -> None:
    check = heard("Call me back at 651 555 0199.").check
    facts = MessageFacts(callback_number=CALLER_ID, number_check=check)
    stored = json.loads(json.dumps(facts.to_json()))
    assert stored["number_check"]["used"] == CALLER_ID
    assert stored["number_check"]["other"] == "+16515550199"
    assert MessageFacts.from_json(stored).number_check == check
    old = MessageFacts.from_json({"callback_number": CALLER_ID})  # stored before the key
    assert old.number_check is None and "number_check" not in old.to_json()


# ---- the email ----------------------------------------------------------------------


def test_an_unsure_number_says_check_in_the_subject_and_the_invite(tmp_path: Path) -> None:
    vm = sample_vm(callback_number_confidence=0.6, caller_id=None)
    msg = reparse(build_voicemail_email(vm, settings=make_settings(tmp_path)))
    assert "Sarah Chen (+1 415-555-0137, check)" in str(msg["Subject"])
    ics = parts_of(msg)["text/calendar"].get_payload(decode=True).decode().replace("\r\n ", "")
    assert "Call back: +1 415-555-0137 (check)" in ics
    sure = reparse(build_voicemail_email(sample_vm(), settings=make_settings(tmp_path)))
    assert "check" not in str(sure["Subject"])


def _email(data_dir: Path) -> tuple[EmailMessage, str, str, str]:
    (path,) = (data_dir / "mail" / "new").iterdir()
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    ics = parts_of(msg)["text/calendar"].get_payload(decode=True).decode()
    return msg, plain, html, ics.replace("\r\n ", "")


def test_the_email_and_inbox_offer_both_numbers_and_say_why(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    from ringback.voicemail.adapters import EmailNotifier, FactsExtractor
    from ringback.voicemail.pipeline import default_stages, ingest

    data_dir = Path(cli.env["RINGBACK_DATA_DIR"])
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, database_url=db_url, owner_email="v@example.com"
    )
    said = (
        "Hi, this is Karen Lopez. Can we talk tomorrow at 3 pm? "
        "Call me at 6, 5, 0, 5, 5, 0, 1, 5, 9, 9, 9. Thanks."
    )
    stages = default_stages(
        transcriber=SaidTranscriber(said),
        extractor=FactsExtractor(settings),
        notifier=EmailNotifier(settings, db_url),
    )
    result = ingest(
        wav_bytes(speech_8k(3.0)),
        url=db_url,
        data_dir=data_dir,
        source="upload",
        stages=stages,
        from_number=CALLER_ID,
        region="US",
    )
    assert result.status == "done", result.status_reason

    msg, plain, html, ics = _email(data_dir)
    assert "Karen Lopez (+1 650-555-0199, check)" in str(msg["Subject"])
    assert "505-501-5999" not in str(msg["Subject"])
    assert "tel:+16505550199" in plain and "tel:+15055015999" in plain
    assert 'href="tel:+16505550199"' in html and 'href="tel:+15055015999"' in html
    assert "Heard as:" in plain and "a digit or two off, check the recording" in plain
    assert "The caller ID is used: the number heard, +1 505-501-5999" in " ".join(plain.split())
    assert "Call back: +1 650-555-0199 (check)" in ics

    shown = cli("inbox", "show", str(result.id))
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.stdout.split())
    assert "+1 650-555-0199 (confidence 0.70), check the recording" in text
    assert "Heard as +1 505-501-5999 (not used: a digit or two off" in text
    assert "The caller ID is used" in text
    as_json = json.loads(cli("inbox", "show", str(result.id), "--json").stdout)
    check = as_json["facts"]["number_check"]
    assert (check["used"], check["other"], check["used_is"]) == (
        CALLER_ID,
        "+15055015999",
        "caller_id",
    )
