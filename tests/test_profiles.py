"""Each rep of a team speaks as themselves (their profile: name and callback number), on
SQLite and PostgreSQL: ``ringback users edit``, who may edit whom, the composed voicemail
and the prep brief for Sam say Sam's name and number and Dana's say Dana's, a rep with no
profile never speaks as the owner, and a single-user install still speaks from
RINGBACK_OWNER_*."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringback.accounts.lines import add_line
from ringback.accounts.profile import edit_profile, speaker_for
from ringback.accounts.scope import acting_transaction
from ringback.accounts.service import UserView, find_user
from ringback.calls import review_job, reviews
from ringback.calls.uploads import store_call_upload
from ringback.db.migrate import upgrade
from ringback.db.session import transaction
from ringback.tracking.sequence_mail import preview_step, send_step
from ringback.tracking.sequences import run_due, start_sequence
from ringback.tracking.service import log_voicemail
from ringback.web import create_app
from tests.conftest import SHARED
from tests.support.accounts import PASSWORD as WEB_PASSWORD
from tests.support.accounts import add_user, csrf_of, sign_in
from tests.support.audio import needs_audio, prompts_wav
from tests.support.smtp import smtp_server
from tests.support.tracking import GOOD, MON, make_contact, settings_for
from tests.support.twilio import OWNER, Served, make_settings, twiml, voice_params

OWNER_ENV = {
    "RINGBACK_OWNER_NAME": "Dana Reyes",
    "RINGBACK_OWNER_COMPANY": "Northwind",
    "RINGBACK_OWNER_PHONE": "415-555-0199",
    "RINGBACK_OWNER_EMAIL": "dana@example.com",
}
PASSWORD = "a long enough passphrase\n"
SAM = "sam@example.com"
DANA = "dana@example.com"
SAM_LINE = "+14155550137"
VOICE = "/telephony/twilio/voice"


def add(cli: Any, email: str, *args: str) -> None:
    made = cli("users", "add", email, *args, "--password-stdin", input=PASSWORD)
    assert made.exit_code == 0, made.output


def team(cli: Any) -> None:
    """Dana (the install's owner, described by RINGBACK_OWNER_*) and Sam, a rep."""
    cli.env.update(OWNER_ENV)
    add(cli, DANA, "--role", "owner")
    add(cli, SAM, "--role", "rep", "--team", "East")


def contact_of(cli: Any, who: str, name: str) -> str:
    """A contact of ``who`` with a goal and a meeting: scripts with something to say."""
    added = cli("--as", who, "contacts", "add", "--name", name, "--company", "ABC Inc", "--json")
    assert added.exit_code == 0, added.output
    cid = str(json.loads(added.stdout)["id"])
    story = cli("--as", who, "contacts", "story", cid, "professional", "grow revenue by 20%")
    assert story.exit_code == 0, story.output
    met = cli("--as", who, "contacts", "interaction", cid, "--kind", "meeting", "--direction", "outbound")  # fmt: skip
    assert met.exit_code == 0, met.output
    return cid


def compose(cli: Any, who: str, cid: str) -> dict[str, Any]:
    result = cli("--as", who, "coach", "compose", "--contact", cid, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_each_rep_composes_and_preps_in_their_own_name_and_number(cli: Any) -> None:
    team(cli)
    edited = cli("--as", SAM, "users", "edit", SAM, "--name", "Sam Lee", "--phone", "617 555 0142", "--json")  # fmt: skip
    assert edited.exit_code == 0, edited.output
    assert json.loads(edited.stdout) == {
        "id": 2,
        "email": SAM,
        "name": "Sam Lee",
        "phone": "+16175550142",
        "speaks_as": {"name": "Sam Lee", "phone": "+16175550142"},
    }
    sams, danas = contact_of(cli, SAM, "Bill Turner"), contact_of(cli, DANA, "Marge Ellis")

    for variant in compose(cli, SAM, sams)["variants"]:
        assert "Sam Lee" in variant["text"] and "(617) 555-0142" in variant["text"]
        assert "Dana" not in variant["text"] and "0199" not in variant["text"]
    for variant in compose(cli, DANA, danas)["variants"]:
        assert "Dana Reyes" in variant["text"] and "(415) 555-0199" in variant["text"]
        assert "Sam" not in variant["text"]

    brief = json.loads(cli("--as", SAM, "prep", sams, "--json").stdout)
    assert "Sam Lee" in brief["voicemail"]["script"]
    assert "(617) 555-0142" in brief["voicemail"]["script"]
    assert "Dana" not in brief["voicemail"]["script"]
    scored = json.loads(
        cli("--as", SAM, "coach", "score", "Hi Bill, call me back.", "--json").stdout
    )
    hints = " ".join(f.get("hint") or "" for f in scored["findings"])
    assert "Sam Lee" in hints and "Dana" not in hints


def test_a_rep_without_a_profile_never_speaks_as_the_owner(cli: Any) -> None:
    team(cli)
    cid = contact_of(cli, SAM, "Bill Turner")
    data = compose(cli, SAM, cid)
    text = data["variants"][0]["text"]
    assert "[your name]" in text and "[your number]" in text and "Dana" not in text
    warning = " ".join(data["warnings"])
    assert "your name" in warning and f"ringback users edit {SAM}" in warning
    # Their personal line is their number until they set one.
    assert cli("lines", "add", "+14155550137", "--user", SAM).exit_code == 0
    text = compose(cli, SAM, cid)["variants"][0]["text"]
    assert "(415) 555-0137" in text and "[your number]" not in text


def test_a_single_user_install_still_speaks_from_the_owner_settings(cli: Any) -> None:
    cli.env.update(OWNER_ENV)
    add(cli, DANA, "--role", "owner", "--name", "")
    cid = contact_of(cli, DANA, "Bill Turner")
    data = compose(cli, DANA, cid)
    assert "Dana Reyes" in data["variants"][0]["text"]
    assert "(415) 555-0199" in data["variants"][0]["text"]
    assert not [w for w in data["warnings"] if "not set" in w]


def test_who_may_edit_a_profile_bad_numbers_and_the_audit_trail(cli: Any) -> None:
    team(cli)
    refused = cli("--as", SAM, "users", "edit", DANA, "--name", "Not Dana")
    assert refused.exit_code == 1
    assert (
        "only dana@example.com or an owner" in refused.output
        and "nothing was changed" in refused.output
    )
    bad = cli("--as", SAM, "users", "edit", SAM, "--phone", "call me")
    assert bad.exit_code == 1 and "not a phone number" in bad.output and "area code" in bad.output
    nothing = cli("users", "edit", SAM)
    assert nothing.exit_code != 0 and "--name" in nothing.output
    by_owner = cli("users", "edit", SAM, "--name", "Sam Lee", "--phone", "+44 20 7946 0018")
    assert by_owner.exit_code == 0, by_owner.output
    listed = {u["email"]: u for u in json.loads(cli("users", "list", "--json").stdout)}
    assert (listed[SAM]["name"], listed[SAM]["phone"]) == ("Sam Lee", "+442079460018")
    assert listed[DANA]["name"] == ""  # the refused edit changed nothing
    cleared = json.loads(cli("--as", SAM, "users", "edit", SAM, "--phone", "", "--json").stdout)
    assert cleared["phone"] is None
    events = json.loads(cli("audit", "--action", "profile", "--json").stdout)
    assert [(e["user"], e["detail"]) for e in events] == [
        (SAM, {"user": SAM, "changed": ["phone"]}),
        (DANA, {"user": SAM, "changed": ["name", "phone"]}),
    ]


# -- the greeting a caller to a rep's line hears ----------------------------------------


def team_in(url: str) -> tuple[UserView, UserView]:
    """Dana (first owner, no profile: the settings speak for her) and Sam with his own
    name, number and line, straight through the services."""
    dana = add_user(url, DANA, role="owner")
    sam = add_user(url, SAM, role="rep")
    with transaction(url) as session:
        sam = edit_profile(session, SAM, name="Sam Lee", phone="617-555-0142", by=sam, region="US")
        add_line(session, SAM_LINE, SAM, region="US")
    return dana, sam


def test_the_fallback_greeting_on_sams_line_says_sam(tmp_path: Path, db_url: str) -> None:
    team_in(db_url)
    settings = make_settings(tmp_path, database_url=db_url)  # RINGBACK_OWNER_NAME Victor Hale
    with Served(create_app(settings)) as srv:
        sams = twiml(srv.post(VOICE, voice_params(to=SAM_LINE)))
        owners = twiml(srv.post(VOICE, voice_params(to=OWNER)))  # no line: the owner's
        forged = srv.post(VOICE, voice_params(to=SAM_LINE), token="not the auth token")
    assert [e.tag for e in sams] == ["Say", "Record", "Hangup"]
    assert sams[0].text == "Hi, you've reached Sam Lee. Leave a message and I'll call you back."
    assert (
        owners[0].text == "Hi, you've reached Victor Hale. Leave a message and I'll call you back."
    )
    assert forged.status_code == 403


# -- a follow-up email for a rep's contact -----------------------------------------------


def test_a_follow_up_for_sams_contact_is_signed_and_answered_by_sam(
    tmp_path: Path, db_url: str
) -> None:
    _, sam = team_in(db_url)
    with smtp_server() as (port, inbox):
        settings = settings_for(db_url, tmp_path, port)  # RINGBACK_OWNER_NAME Dana Reyes
        with acting_transaction(db_url, sam) as session:  # Sam logs his voicemail
            cid = make_contact(session)
            left = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
            start_sequence(session, event_id=left.event.id, settings=settings)
        with transaction(db_url) as session:  # the background run, as the system
            [step_id] = run_due(session, settings=settings, now=MON + timedelta(minutes=5)).drafted
            preview = preview_step(session, step_id=step_id, settings=settings)
            send_step(session, step_id=step_id, settings=settings, now=MON + timedelta(minutes=9))
        [mail] = inbox.messages()
    assert (preview.sender, preview.reply_to) == ("Sam Lee <dana@acme.example>", f"Sam Lee <{SAM}>")
    assert mail["From"] == "Sam Lee <dana@acme.example>"  # the install's address, Sam's name
    assert mail["Reply-To"] == f"Sam Lee <{SAM}>"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert "\nSam Lee\nAcme\n(617) 555-0142\n" in text and "Dana" not in text
    [ics] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    invite = ics.get_content()
    invite = invite.decode() if isinstance(invite, bytes) else invite
    assert "SUMMARY:Call with Sam Lee" in invite and f"mailto:{SAM}" in invite.lower()


def test_a_follow_up_on_a_single_user_install_is_the_owner_settings(
    tmp_path: Path, db_url: str
) -> None:
    add_user(db_url, DANA, role="owner")
    settings = settings_for(db_url, tmp_path)
    with transaction(db_url) as session:
        cid = make_contact(session)
        left = log_voicemail(session, contact_id=cid, script=GOOD, at=MON, settings=settings)
        start_sequence(session, event_id=left.event.id, settings=settings)
        [step_id] = run_due(session, settings=settings, now=MON + timedelta(minutes=5)).drafted
        preview = preview_step(session, step_id=step_id, settings=settings)
    assert preview.sender == preview.reply_to == "Dana Reyes <dana@acme.example>"
    assert "\nDana Reyes\nAcme\n415-555-0100\n" in preview.body


# -- Settings → Your profile -------------------------------------------------------------


def test_your_profile_on_the_settings_page(tmp_path: Path, db_url: str) -> None:
    team_in(db_url)
    settings = make_settings(tmp_path, database_url=db_url)
    with TestClient(
        create_app(settings, prepare_database=False), base_url="http://127.0.0.1"
    ) as web:
        assert sign_in(web, SAM, WEB_PASSWORD).status_code == 303
        shown = web.get("/settings")
        page = shown.text
        assert 'value="Sam Lee"' in page and "+1 617-555-0142" in page
        assert "Hi, you&#39;ve reached Sam Lee." in page  # the fallback his callers hear
        token = csrf_of(shown)
        bad = web.post("/settings/profile", data={"csrf_token": token, "name": "Sam <b>Lee</b>", "phone": "call me"})  # fmt: skip
        assert bad.status_code == 422
        assert "not a phone number" in bad.text and 'value="call me"' in bad.text
        assert 'value="Sam &lt;b&gt;Lee&lt;/b&gt;"' in bad.text  # what was typed, escaped
        no_csrf = web.post("/settings/profile", data={"name": "Forged", "phone": ""})
        assert no_csrf.status_code == 403
        long = web.post("/settings/profile", data={"csrf_token": token, "name": "x" * 201, "phone": ""})  # fmt: skip
        assert long.status_code == 422
        saved = web.post(
            "/settings/profile",
            data={"csrf_token": token, "name": "Samuel Lee", "phone": "(212) 555-0177"},
            follow_redirects=False,
        )
        assert saved.status_code == 303 and saved.headers["location"].endswith("/settings#profile")
        page = web.get("/settings").text
        assert "Your profile is saved" in page and 'value="Samuel Lee"' in page
        assert "+1 212-555-0177" in page
    with transaction(db_url) as session:
        speaker = speaker_for(session, user_id=find_user(session, SAM).id, settings=settings)  # type: ignore[union-attr]
    assert (speaker.name, speaker.phone) == ("Samuel Lee", "+12125550177")
    # The install's owner is told which of the settings come before her profile.
    with TestClient(
        create_app(settings, prepare_database=False), base_url="http://127.0.0.1"
    ) as web:
        assert sign_in(web, DANA, WEB_PASSWORD).status_code == 303
        page = " ".join(web.get("/settings").text.split())
    assert "As the install's owner, <code>RINGBACK_OWNER_NAME</code> (set in" in page
    assert "comes first: your scripts say Victor Hale" in page


def test_editing_the_first_owner_says_the_owner_settings_come_first(cli: Any) -> None:
    team(cli)
    edited = cli("users", "edit", DANA, "--name", "Dana R.")
    assert edited.exit_code == 0, edited.output
    out = " ".join(edited.stdout.split())
    assert "name Dana R." in out and "say: Dana Reyes, 415-555-0199" in out
    assert "RINGBACK_OWNER_NAME / _PHONE, when set, come first" in out
    sam = cli("users", "edit", SAM, "--name", "Sam Lee")
    assert "say: Sam Lee, [your number]" in " ".join(sam.stdout.split())


# -- a call a rep uploads, reviewed in the background ------------------------------------


@pytest.mark.slow
def test_a_reps_uploaded_call_is_reviewed_with_their_introduction(
    tmp_path: Path, sqlite_url: str
) -> None:
    """The pyannote sample is Diane and Sheila introducing themselves. Diane is the
    install's owner (RINGBACK_OWNER_NAME); the call is Sheila's upload, so the worker
    names the rep by Sheila's profile: the rep's words and talk share are Sheila's, against
    the human reference."""
    sample = SHARED / "eval" / "pyannote_sample"
    if not (sample / "sample.wav").is_file():
        pytest.skip(f"the pyannote sample is not in {sample}")
    from bench.eval_calls import rttm_share

    upgrade(sqlite_url)
    settings = make_settings(tmp_path, database_url=sqlite_url, owner_name="Diane")
    add_user(sqlite_url, "diane@example.com", role="owner")
    sheila = add_user(sqlite_url, "sheila@example.com", role="rep", name="Sheila")
    stored = store_call_upload(
        io.BytesIO((sample / "sample.wav").read_bytes()), data_dir=settings.data_dir,
        max_bytes=1 << 30, max_minutes=5,
    )  # fmt: skip
    with transaction(sqlite_url) as session:
        review = reviews.create_review(
            session, owner_id=sheila.id, stored=stored, original_name="call.wav", contact_id=None
        )
    review_job.run_review(review.id, settings=settings)  # what the worker runs
    with transaction(sqlite_url) as session:
        done = reviews.get_review(session, owner_id=sheila.id, review_id=review.id)
    result = reviews.read_result(done)
    rep_said = " ".join(text for who, text, *_ in result["words"] if who == "rep").lower()
    assert "sheila" in rep_said and "diane" not in rep_said
    _, diane_share = rttm_share(sample / "sample.rttm")
    share = result["contract"]["talk_share_rep"]
    assert abs(share - (1 - diane_share)) < 0.05, share


# -- the greeting check: it says the name of whoever records it -------------------------


@pytest.mark.slow
@needs_audio
def test_the_greeting_check_looks_for_the_recording_reps_name(cli: Any, tmp_path: Path) -> None:
    """ "Hello, Victor is on the phone": Victor's greeting, not the owner Dana's."""
    greeting = tmp_path / "greeting.wav"
    greeting.write_bytes(prompts_wav("hello", "phonetic/v_p", "vm-isonphone"))
    team(cli)  # RINGBACK_OWNER_NAME Dana Reyes
    assert cli("users", "edit", SAM, "--name", "Victor Hale").exit_code == 0
    as_sam = json.loads(cli("--as", SAM, "greeting", "check", str(greeting), "--json").stdout)
    as_dana = json.loads(cli("greeting", "check", str(greeting), "--json").stdout)
    says = {r: next(c for c in d["checks"] if c["id"] == "says_name") for r, d in (("sam", as_sam), ("dana", as_dana))}  # fmt: skip
    assert says["sam"]["ok"] is True
    assert says["dana"]["ok"] is False and "Dana Reyes" in says["dana"]["detail"]
    status = json.loads(cli("--as", SAM, "greeting", "status", "--json").stdout)
    assert "you've reached Victor Hale" in status[0]["fallback"]


def test_a_call_is_answered_when_the_lines_cannot_be_read(tmp_path: Path, caplog: Any) -> None:
    """The lines' table unreadable (as good as a database gone away): the caller still
    hears the owner settings' greeting, and the failure is logged once, not raised."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'ringback.db'}"
    upgrade(url)
    with transaction(url) as session:
        session.execute(text("ALTER TABLE phone_lines RENAME TO phone_lines_gone"))
    settings = make_settings(tmp_path, database_url=url)
    with Served(create_app(settings, prepare_database=False)) as srv:
        say = twiml(srv.post(VOICE, voice_params(to=SAM_LINE)))[0]
        again = twiml(srv.post(VOICE, voice_params(to=SAM_LINE)))[0]
    assert (
        say.text
        == again.text
        == "Hi, you've reached Victor Hale. Leave a message and I'll call you back."
    )
    warned = [r.getMessage() for r in caplog.records if "speakers not read" in r.getMessage()]
    assert len(warned) == 1  # tried once, not on every call
