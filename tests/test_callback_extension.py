"""A phone extension said in a voicemail is kept: in the facts, the email (shown and in the
``tel:`` link, RFC 3966 ``;ext=``) and the inbox.

Units on transcript text; then the inbox pipeline with the real extractor and the real
email notifier (Maildir) on SQLite and PostgreSQL, from a transcript standing in for
Whisper, and ``ringback inbox show`` on the stored voicemail.
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
from ringback.mail.render import tel_href
from tests.conftest import Cli
from tests.support.pipeline import SaidTranscriber, speech_8k, wav_bytes


@pytest.mark.parametrize(
    ("said", "extension"),
    [
        ("Call me back at 212-555-0199 ext. 12, thanks.", "12"),
        ("It's Bill, 212 555 0199 extension 12.", "12"),
        ("My number is 212-555-0199 x 12.", "12"),
        ("Reach me on 2125550199x12", "12"),
        ("two one two, five five five, oh one nine nine, extension one two.", "12"),
        ("Call 212 555 0199, extension number is 2 0 4.", "204"),
        ("Call the main line, 212 555 0199, and ask for extension twelve.", "12"),
    ],
)
def test_the_extension_said_is_kept(said: str, extension: str) -> None:
    number = extract_callback_number(said, region="US")
    assert number.e164 == "+12125550199"  # the extension is not read into the number
    assert number.extension == extension


@pytest.mark.parametrize(
    "said",
    [
        "Call me back at 212-555-0199, thanks.",
        "The Model X 12 is in, call 212 555 0199.",
        "Call 212 555 0199 about the extension of the lease.",
    ],
)
def test_no_extension_is_made_up(said: str) -> None:
    number = extract_callback_number(said, region="US")
    assert number.e164 == "+12125550199" and number.extension is None


def test_extension_digits_never_become_the_number() -> None:
    # "extension 0199" is not the caller ID's number said without its area code.
    number = extract_callback_number(
        "Call me at extension 0199.", caller_id="+12125550199", region="US"
    )
    assert number.e164 == "+12125550199" and number.source == "caller_id"
    assert number.readings == () and number.extension == "0199"


def test_tel_link_carries_the_extension() -> None:
    assert tel_href("+12125550199", "12") == "tel:+12125550199;ext=12"
    assert tel_href("+12125550199") == "tel:+12125550199"
    assert tel_href("+12125550199", "1;x=2") == "tel:+12125550199"  # only digits go in


def test_the_email_and_the_inbox_show_the_extension(cli: Cli, tmp_path: Path, db_url: str) -> None:
    from ringback.voicemail.adapters import EmailNotifier, FactsExtractor
    from ringback.voicemail.pipeline import default_stages, ingest

    data_dir = Path(cli.env["RINGBACK_DATA_DIR"])
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=data_dir, database_url=db_url, owner_email="v@example.com"
    )
    said = "Hi, this is Bill Turner. Call me back at 212 555 0199 extension 12. Thanks."
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
        region="US",
    )
    assert result.status == "done", result.status_reason

    (path,) = (data_dir / "mail" / "new").iterdir()
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "+1 212-555-0199 ext. 12" in plain
    assert "tel:+12125550199;ext=12" in plain and 'href="tel:+12125550199;ext=12"' in html

    shown = cli("inbox", "show", str(result.id))
    assert shown.exit_code == 0, shown.output
    assert "+1 212-555-0199 ext. 12" in shown.stdout
    as_json = json.loads(cli("inbox", "show", str(result.id), "--json").stdout)
    facts = as_json.get("facts", as_json)
    assert facts["callback_number"] == "+12125550199" and facts["callback_extension"] == "12"
