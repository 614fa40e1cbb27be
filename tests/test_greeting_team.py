"""In a team each user's line plays their own recorded greeting (SQLite and PostgreSQL,
real Whisper, real Twilio signatures): Victor's line plays Victor's, Dana's (the first
owner's, the install's) plays hers, Alex's (none of his own) the install's, or the
spoken one naming Alex once there is none; a rep cannot replace, remove or find another
rep's, from the CLI or the web's Settings page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ringback.accounts.lines import add_line
from ringback.db.session import transaction
from ringback.web import create_app
from tests.support.accounts import add_user, csrf_of, sign_in
from tests.support.audio import needs_audio, prompts_wav
from tests.support.twilio import OWNER, Served, make_settings, twiml, voice_params

DANA, VICTOR, ALEX = "dana@example.com", "victor@example.com", "alex@example.com"
LINES = {DANA: "+14155550101", VICTOR: "+14155550102", ALEX: "+14155550103"}
VOICE = "/telephony/twilio/voice"

pytestmark = [pytest.mark.slow, needs_audio]


def team(url: str) -> dict[str, int]:
    """Dana (first owner), Victor and Alex (reps), each with a personal line; their ids."""
    users = {
        DANA: add_user(url, DANA, role="owner", name="Dana Reyes"),
        VICTOR: add_user(url, VICTOR, role="rep", name="Victor Hale"),
        ALEX: add_user(url, ALEX, role="rep", name="Alex Kim"),
    }
    with transaction(url) as session:
        for email, number in LINES.items():
            add_line(session, number, email, region="US")
    return {email: user.id for email, user in users.items()}


def recordings(tmp_path: Path) -> tuple[Path, Path]:
    """Victor's ("Hello. Victor is on the phone.") and Dana's (another recording)."""
    victor, dana = tmp_path / "victor.wav", tmp_path / "dana.wav"
    victor.write_bytes(prompts_wav("hello", "phonetic/v_p", "vm-isonphone"))
    dana.write_bytes(prompts_wav("hello", "vm-isonphone"))
    return victor, dana


def run(cli: Any, *args: str) -> dict[str, Any]:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def server_settings(cli: Any, tmp_path: Path, url: str) -> Any:
    return make_settings(
        tmp_path, database_url=url, data_dir=Path(cli.env["RINGBACK_DATA_DIR"]), owner_name=""
    )


def greeting_of(root: Any) -> tuple[str, str]:
    first = next(iter(root))
    return first.tag, first.text


def test_each_users_line_plays_their_own_greeting(cli: Any, tmp_path: Path, db_url: str) -> None:
    ids = team(db_url)
    victor_wav, dana_wav = recordings(tmp_path)
    victors = run(cli, "--as", VICTOR, "greeting", "upload", str(victor_wav))
    danas = run(cli, "greeting", "upload", str(dana_wav))  # the first owner (no --as)
    assert victors["user"] == VICTOR and victors["ok"] is True
    assert Path(victors["path"]).parent.name == str(ids[VICTOR])  # keyed by id, not email
    assert Path(danas["path"]).name == "personal.wav"  # the install's, as before teams
    assert Path(victors["path"]).read_bytes() != Path(danas["path"]).read_bytes()

    statuses = {who: run(cli, "--as", who, "greeting", "status") for who in (VICTOR, ALEX)}
    assert [r["plays"] for r in statuses[VICTOR]] == ["own", "spoken"]
    assert [r["plays"] for r in statuses[ALEX]] == ["install", "spoken"]
    assert statuses[ALEX][0]["greeting"]["name"] == Path(danas["url_path"]).name
    every = run(cli, "greeting", "status", "--all")  # the owner: whose each line plays
    assert {(r["number"], r["user"], r["plays"]) for r in every} == {
        (LINES[DANA], DANA, "own"),
        (LINES[VICTOR], VICTOR, "own"),
        (LINES[ALEX], ALEX, "install"),
    }
    text = cli("greeting", "status", "--all").output
    assert f"{LINES[ALEX]} ({ALEX}, personal): the install's recording" in text
    assert cli("--as", ALEX, "greeting", "status", "--all").exit_code != 0  # owners only

    with Served(create_app(server_settings(cli, tmp_path, db_url))) as srv:
        heard = {who: twiml(srv.post(VOICE, voice_params(to=n))) for who, n in LINES.items()}
        nobodys = twiml(srv.post(VOICE, voice_params(to=OWNER)))
        forged = srv.post(VOICE, voice_params(to=LINES[VICTOR]), token="not the auth token")
        assert greeting_of(heard[VICTOR]) == ("Play", srv.base + victors["url_path"])
        assert srv.get(victors["url_path"]).content == Path(victors["path"]).read_bytes()
        for plays_danas in (heard[DANA], heard[ALEX], nobodys):
            assert greeting_of(plays_danas) == ("Play", srv.base + danas["url_path"])
    assert forged.status_code == 403

    assert run(cli, "greeting", "remove")["removed"] is True  # no install greeting left
    with Served(create_app(server_settings(cli, tmp_path, db_url))) as srv:
        alex = twiml(srv.post(VOICE, voice_params(to=LINES[ALEX])))
        victor = twiml(srv.post(VOICE, voice_params(to=LINES[VICTOR])))
    assert greeting_of(alex) == (
        "Say",
        "Hi, you've reached Alex Kim. Leave a message and I'll call you back.",
    )
    assert greeting_of(victor)[0] == "Play" and greeting_of(victor)[1].endswith(victors["url_path"])


def test_a_rep_cannot_replace_remove_or_find_another_reps_greeting(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    ids = team(db_url)
    victor_wav, dana_wav = recordings(tmp_path)
    victors = run(cli, "--as", VICTOR, "greeting", "upload", str(victor_wav))
    live = Path(victors["path"]).read_bytes()

    for args in (
        ("remove", "--user", VICTOR),
        ("upload", str(dana_wav), "--user", VICTOR),
        ("status", "--user", VICTOR),
        ("upload", str(dana_wav), "--user", DANA),  # nor the install's
    ):
        refused = cli("--as", ALEX, "greeting", *args, "--json")
        assert refused.exit_code != 0, (args, refused.output)
        assert "or an owner may manage" in refused.output
        assert "a rep manages only their own greeting" in refused.output
    assert Path(victors["path"]).read_bytes() == live
    assert run(cli, "--as", ALEX, "greeting", "remove")["removed"] is False  # his own: none
    assert Path(victors["path"]).read_bytes() == live
    alex_sees = cli("--as", ALEX, "greeting", "status", "--json").stdout
    digest = Path(victors["url_path"]).stem.rsplit("-", 1)[1]
    assert digest not in alex_sees

    with Served(create_app(server_settings(cli, tmp_path, db_url))) as srv:
        assert srv.get(victors["url_path"]).status_code == 200  # Twilio fetches it unsigned
        for guess in (
            f"u{ids[VICTOR]}-personal-{'0' * 16}.wav",
            f"u{ids[ALEX]}-personal-{digest}.wav",
            f"personal-{digest}.wav",
            f"u{ids[VICTOR]}-personal.wav",
            f"u999-personal-{digest}.wav",
        ):
            assert srv.get(f"/telephony/greetings/{guess}").status_code == 404, guess

    owner = run(cli, "greeting", "remove", "--user", VICTOR)  # an owner may
    assert owner == {"removed": True, "line": "personal", "user": VICTOR}
    assert not Path(victors["path"]).exists()


def _signed_in(app: Any, email: str) -> TestClient:
    client = TestClient(app, base_url="http://127.0.0.1")
    assert sign_in(client, email).status_code == 303
    return client


def _post(client: TestClient, path: str, **kw: Any) -> Any:
    data = {"csrf_token": csrf_of(client.get("/settings")), **kw.pop("data", {})}
    return client.post(path, data=data, follow_redirects=False, **kw)


def test_each_rep_uploads_and_removes_their_own_greeting_on_settings(
    cli: Any, tmp_path: Path, db_url: str
) -> None:
    ids = team(db_url)
    victor_wav, dana_wav = recordings(tmp_path)
    danas = run(cli, "greeting", "upload", str(dana_wav))
    install = Path(danas["path"]).read_bytes()
    app = create_app(server_settings(cli, tmp_path, db_url))
    with _signed_in(app, VICTOR) as victor, _signed_in(app, ALEX) as alex:
        assert 'action="/settings/greeting"' in victor.get("/settings").text
        uploaded = _post(
            victor,
            "/settings/greeting",
            data={"line": "personal"},
            files={"greeting": ("victor.wav", victor_wav.read_bytes(), "audio/wav")},
            headers={"X-Requested-With": "ringback"},
        )
        assert uploaded.status_code == 200, uploaded.text
        assert "It passes: this is now the greeting on your personal line" in uploaded.text
        own = Path(cli.env["RINGBACK_DATA_DIR"]) / "greetings/users" / str(ids[VICTOR])
        assert (own / "personal.wav").is_file()
        assert Path(danas["path"]).read_bytes() == install  # the install's untouched

        victors_page, alexs_page = victor.get("/settings").text, alex.get("/settings").text
        assert f'src="/telephony/greetings/u{ids[VICTOR]}-personal-' in victors_page
        assert "your recording" in victors_page
        assert f"u{ids[VICTOR]}-" not in alexs_page  # Alex never sees Victor's
        assert "the install's recording, until you record your own" in alexs_page

        _post(alex, "/settings/greeting/remove", data={"line": "personal"})
        assert (own / "personal.wav").is_file() and Path(danas["path"]).is_file()
        removed = _post(victor, "/settings/greeting/remove", data={"line": "personal"})
        assert removed.status_code == 303
        assert not (own / "personal.wav").exists() and Path(danas["path"]).is_file()


def test_a_reps_call_review_hears_them_by_their_own_greeting_never_the_owners(
    tmp_path: Path,
) -> None:
    """Unasked, a mono call is told apart by the rep's own greeting (their voice); a rep
    with none of their own has no sample rather than the first owner's voice."""
    from ringback.accounts.speaker import Speaker
    from ringback.calls.analysis import _rep_sample
    from ringback.lines import LineKind
    from ringback.telephony.greetings import GreetingStore

    settings = make_settings(tmp_path)
    store = GreetingStore.for_settings(settings)
    install = store.save(LineKind.PERSONAL, prompts_wav("hello", "vm-isonphone"), {})
    victors = store.save(LineKind.PERSONAL, prompts_wav("hello", "phonetic/v_p"), {}, 7)
    victor = Speaker(name="Victor Hale", from_settings_too=False, user_id=7)
    alex = Speaker(name="Alex Kim", from_settings_too=False, user_id=8)
    assert _rep_sample(None, settings, victor) == (victors.path, False)
    assert _rep_sample(None, settings, alex) == (None, False)
    assert _rep_sample(None, settings, Speaker.from_settings(settings)) == (install.path, False)
