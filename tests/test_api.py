"""The REST API under /api/v1 (issue 16 §3, §5): the scripts' contract (a token from
`ringback tokens create --as --json`, create/list/get contacts, 401 without credentials,
404 for another rep's contact), pages with `next` links and `updated_since`, one error
body, idempotency keys, sessions with CSRF, and each resource. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ringback.accounts import sessions
from ringback.contacts.models import Contact, FollowUp, Interaction
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from tests.support.accounts import EMAIL, csrf_of
from tests.support.api import Api, collect, error_of, quiet_wav

ANN = {"name": "Ann Lee", "phone": "(415) 555-0100"}


@pytest.fixture
def api(tmp_path: Path, db_url: str) -> Iterator[Api]:
    """On SQLite and PostgreSQL: the contract, isolation, pages, keys."""
    api = Api(tmp_path, db_url)
    yield api
    api.close()


class Queued:
    """Stands in for the call-review worker's queue (the real worker's run is covered by
    tests/test_web_calls.py): what the upload handed it."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def submit(self, review_id: str) -> None:
        self.ids.append(review_id)


def _count(url: str, model: type) -> int:
    with transaction(url) as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_the_scripts_contract(api: Api) -> None:
    from tests.conftest import Cli

    cli = Cli(api.settings.data_dir, api.url)
    made = cli("tokens", "create", "--name", "crm", "--as", EMAIL, "--json")
    assert made.exit_code == 0, made.output
    token = json.loads(made.stdout)["token"]
    listed = cli("tokens", "list", "--json").stdout
    assert token not in listed  # shown once: only its hash is kept

    script = api.client(token)
    created = script.post("/api/v1/contacts", json=ANN)
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["name"] == "Ann Lee" and contact["phones"] == ["+14155550100"]
    assert script.get(f"/api/v1/contacts/{contact['id']}").json()["name"] == "Ann Lee"
    assert [c["id"] for c in script.get("/api/v1/contacts").json()["items"]] == [contact["id"]]

    anonymous = api.client()
    for path in ("/api/v1/contacts", f"/api/v1/contacts/{contact['id']}"):
        reply = anonymous.get(path)
        assert reply.status_code == 401 and error_of(reply)["code"] == "unauthorized"
        assert "Bearer" in error_of(reply)["hint"]
    assert anonymous.post("/api/v1/contacts", json=ANN).status_code == 401
    assert _count(api.url, Contact) == 1

    row_id = json.loads(made.stdout)["id"]
    assert cli("tokens", "revoke", str(row_id)).exit_code == 0
    assert script.get("/api/v1/contacts").status_code == 401


def test_another_reps_contact_is_not_found(api: Api) -> None:
    rep = api.add_user("sam@example.com", role="rep")
    other = api.add_user("kim@example.com", role="rep")
    sam, kim = api.client(api.token(rep)), api.client(api.token(other))
    mine = sam.post("/api/v1/contacts", json=ANN).json()
    for method, path in (
        ("GET", f"/api/v1/contacts/{mine['id']}"),
        ("PATCH", f"/api/v1/contacts/{mine['id']}"),
        ("GET", f"/api/v1/contacts/{mine['id']}/interactions"),
        ("POST", f"/api/v1/contacts/{mine['id']}/interactions"),
    ):
        body = {"kind": "note", "text": "x"} if method == "POST" else {}
        reply = kim.request(method, path, json=body if method != "GET" else None)
        assert reply.status_code == 404, (method, path, reply.text)
        assert "Ann" not in reply.text
    assert kim.get("/api/v1/contacts").json()["items"] == []


def test_pages_follow_next_links_and_updated_since_syncs(api: Api) -> None:
    script = api.client(api.token())
    ids = []
    for n in range(7):
        reply = script.post(
            "/api/v1/contacts", json={"name": f"Person {n}", "phone": f"415555010{n}"}
        )
        ids.append(reply.json()["id"])
    first = script.get("/api/v1/contacts?limit=3").json()
    assert len(first["items"]) == 3 and "limit=3" in first["next"]
    assert [c["id"] for c in collect(script, "/api/v1/contacts?limit=3")] == ids
    last = script.get(first["next"]).json()
    assert script.get(last["next"]).json()["next"] is None

    old = datetime(2026, 1, 1, tzinfo=UTC)
    with transaction(api.url) as db:
        db.execute(update(Contact).where(Contact.id.in_(ids[:5])).values(updated_at=old))
    since = (old + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    changed = collect(script, f"/api/v1/contacts?limit=1&updated_since={since}")
    assert [c["id"] for c in changed] == ids[5:]
    script.patch(f"/api/v1/contacts/{ids[0]}", json={"company": "Acme"})
    assert [c["id"] for c in collect(script, f"/api/v1/contacts?updated_since={since}")] == [
        ids[0],
        *ids[5:],
    ]

    assert script.get("/api/v1/contacts?limit=0").status_code == 422
    assert script.get("/api/v1/contacts?limit=100000").status_code == 422


def test_errors_share_one_body_with_a_code_and_a_hint(lite: Api) -> None:
    script = lite.client(lite.token())
    cases = [
        (script.get("/api/v1/contacts?cursor=not-ours"), 400, "bad_cursor"),
        (lite.client("rb_guessed").get("/api/v1/contacts"), 401, "unauthorized"),
        (script.get("/api/v1/contacts/999"), 404, "not_found"),
        (script.get("/api/v1/nothing-here"), 404, "not_found"),
        (script.post("/api/v1/contacts", json={"name": ""}), 422, "invalid"),
        (script.post("/api/v1/contacts", json={"name": "A", "phone": "12"}), 422, "invalid"),
        (script.post("/api/v1/contacts", json={"name": "A", "surname": "B"}), 422, "invalid"),
        (script.delete("/api/v1/contacts"), 405, "method_not_allowed"),
    ]
    script.post("/api/v1/contacts", json=ANN)
    cases.append((script.post("/api/v1/contacts", json=ANN), 409, "duplicate_contact"))
    for reply, status, code in cases:
        assert reply.status_code == status, (status, reply.text)
        assert error_of(reply)["code"] == code
    assert "name" in error_of(cases[4][0])["message"]
    assert "Ann Lee" in error_of(cases[-1][0])["message"]  # the contact it would duplicate


def test_an_idempotency_key_makes_a_retried_create_one_object(api: Api) -> None:
    script = api.client(api.token())
    key = {"Idempotency-Key": "crm-7f3a"}
    first = script.post("/api/v1/contacts", json=ANN, headers=key)
    again = script.post("/api/v1/contacts", json=dict(reversed(ANN.items())), headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert _count(api.url, Contact) == 1

    other = script.post("/api/v1/contacts", json={"name": "Bo Diaz"}, headers=key)
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_key_reused"
    assert _count(api.url, Contact) == 1

    # Keys are per user: another user's same key is a new request of theirs.
    sam = api.client(api.token(api.add_user("sam@example.com")))
    theirs = sam.post("/api/v1/contacts", json={"name": "Bo Diaz"}, headers=key)
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]

    cid = first.json()["id"]
    note = {"kind": "note", "text": "asked for the Q3 numbers"}
    a = script.post(
        f"/api/v1/contacts/{cid}/interactions", json=note, headers={"Idempotency-Key": "n1"}
    )
    b = script.post(
        f"/api/v1/contacts/{cid}/interactions", json=note, headers={"Idempotency-Key": "n1"}
    )
    assert a.json() == b.json() and _count(api.url, Interaction) == 1


def test_a_browser_session_works_and_its_writes_need_the_csrf_token(lite: Api) -> None:
    browser = lite.browser()
    assert browser.get("/api/v1/contacts").status_code == 200
    refused = browser.post("/api/v1/contacts", json=ANN)
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert _count(lite.url, Contact) == 0
    token = csrf_of(browser.get("/contacts"))
    made = browser.post("/api/v1/contacts", json=ANN, headers={"X-CSRF-Token": token})
    assert made.status_code == 201


def test_the_shared_basic_login_is_no_account_for_v1(tmp_path: Path, sqlite_url: str) -> None:
    from ringback.db.migrate import upgrade

    upgrade(sqlite_url)
    api = Api(tmp_path, sqlite_url, web_password="correct horse battery")
    try:
        basic = api.client()
        basic.auth = ("ringback", "correct horse battery")
        assert basic.get("/api/telephony/recordings").status_code == 200  # old scripts
        assert basic.get("/api/v1/contacts").status_code == 401
    finally:
        api.close()


def test_contacts_come_with_back_story_interactions_and_open_follow_ups(lite: Api) -> None:
    from ringback.contacts.service import note_back_story

    script = lite.client(lite.token())
    cid = script.post("/api/v1/contacts", json=ANN).json()["id"]
    with transaction(lite.url) as db:
        note_back_story(
            db, ref=cid, kind="professional_goal", text="grow production 20%", region="US"
        )
        db.add(FollowUp(contact_id=cid, title="Send the proposal"))
    at = "2026-11-20T14:30:00-05:00"
    logged = script.post(
        f"/api/v1/contacts/{cid}/interactions",
        json={"kind": "call", "direction": "outbound", "at": at, "outcome": "reached"},
    )
    assert logged.status_code == 201 and logged.json()["at"].startswith("2026-11-20T19:30:00")
    detail = script.get(f"/api/v1/contacts/{cid}").json()
    assert detail["back_story"]["professional_goal"][0]["text"] == "grow production 20%"
    assert [i["outcome"] for i in detail["interactions"]] == ["reached"]
    assert [f["title"] for f in detail["open_follow_ups"]] == ["Send the proposal"]
    assert script.get(f"/api/v1/contacts/{cid}/interactions").json()["items"][0]["kind"] == "call"

    patched = script.patch(
        f"/api/v1/contacts/{cid}", json={"title": "VP Sales", "add_emails": ["ann@example.com"]}
    )
    assert patched.json()["title"] == "VP Sales" and patched.json()["emails"] == ["ann@example.com"]
    assert script.patch(f"/api/v1/contacts/{cid}", json={"name": " "}).status_code == 422


def test_follow_ups_list_open_ones_and_complete(lite: Api) -> None:
    script = lite.client(lite.token())
    cid = script.post("/api/v1/contacts", json=ANN).json()["id"]
    with transaction(lite.url) as db:
        db.add_all(
            [FollowUp(contact_id=cid, title="Call back"), FollowUp(contact_id=cid, title="Email")]
        )
    tasks = script.get("/api/v1/follow-ups?open=true").json()["items"]
    assert [t["title"] for t in tasks] == ["Call back", "Email"]
    done = script.post(f"/api/v1/follow-ups/{tasks[0]['id']}/complete")
    assert done.status_code == 200 and done.json()["done"] is True
    assert [t["title"] for t in script.get("/api/v1/follow-ups?open=true").json()["items"]] == [
        "Email"
    ]
    assert len(script.get("/api/v1/follow-ups").json()["items"]) == 2
    assert script.post("/api/v1/follow-ups/999/complete").status_code == 404


def _voicemail(api: Api, audio: bytes) -> int:
    folder = api.settings.data_dir / "voicemail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "msg.wav"
    path.write_bytes(audio)
    facts = {"summary": "Wants a quote", "callback_at": "2026-11-24T15:00:00-05:00", "urgent": True}
    with transaction(api.url) as db:
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key="api-test",
            from_number="+14155550100",
            received_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
            status=VoicemailStatus.DONE,
            transcript="Hi, this is Sarah, call me tomorrow at three.",
            facts=facts,
            original_path=str(path),
            mime="audio/wav",
            original_filename="msg.wav",
        )
        db.add(row)
        db.flush()
        return row.id


def test_voicemails_have_facts_a_transcript_and_an_authenticated_audio_url(lite: Api) -> None:
    audio = quiet_wav()
    vid = _voicemail(lite, audio)
    script = lite.client(lite.token())
    [listed] = script.get("/api/v1/voicemails").json()["items"]
    assert listed["id"] == vid and listed["urgent"] is True
    detail = script.get(f"/api/v1/voicemails/{vid}").json()
    assert detail["callback_at"] == "2026-11-24T15:00:00-05:00"
    assert detail["transcript"].startswith("Hi, this is Sarah")
    assert "original_path" not in detail  # no server paths in the API
    assert detail["audio_url"] == f"http://127.0.0.1/api/v1/voicemails/{vid}/audio"
    heard = script.get(detail["audio_url"])
    assert heard.status_code == 200 and heard.content == audio
    assert heard.headers["content-type"].startswith("audio/wav")
    assert lite.client().get(detail["audio_url"]).status_code == 401
    assert script.get("/api/v1/voicemails/999/audio").status_code == 404


def test_a_call_upload_answers_202_with_a_job_only_its_owner_sees(api: Api) -> None:
    script = api.client(api.token())
    queued = Queued()
    api.app.state.call_reviews = queued
    cid = script.post("/api/v1/contacts", json=ANN).json()["id"]

    def upload(key: str) -> Any:
        return script.post(
            "/api/v1/calls",
            files={"recording": ("call.wav", quiet_wav(1.0), "audio/wav")},
            data={"contact_id": str(cid)},
            headers={"Idempotency-Key": key},
        )

    reply = upload("call-1")
    assert reply.status_code == 202, reply.text
    job = reply.json()
    assert job["status"] == "queued" and queued.ids == [str(job["id"])]
    assert job["contact_id"] == cid and job["url"].endswith(f"/api/v1/calls/{job['id']}")
    polled = script.get(job["url"]).json()
    assert polled["id"] == job["id"] and polled["analysis"] is None
    assert [c["id"] for c in script.get("/api/v1/calls").json()["items"]] == [job["id"]]
    # Retried with its key: the same job, not queued twice.
    assert upload("call-1").json() == job and queued.ids == [str(job["id"])]

    other = api.client(api.token(api.add_user("sam@example.com", role="rep")))
    assert other.get(job["url"]).status_code == 404
    assert other.get("/api/v1/calls").json()["items"] == []

    text = script.post(
        "/api/v1/calls", files={"recording": ("call.wav", b"not audio", "audio/wav")}
    )
    assert text.status_code == 422 and "nothing was stored" in error_of(text)["message"]


def test_the_coach_scores_and_composes_and_stats_answer(lite: Api) -> None:
    script = lite.client(lite.token())
    cid = script.post("/api/v1/contacts", json=ANN).json()["id"]
    draft = "Hi Ann, it's Victor at Northwind. Call me at 415 555 0199, that's 415 555 0199."
    scored = script.post("/api/v1/coach/score", json={"text": draft, "contact_id": cid})
    assert scored.status_code == 200 and 0 <= scored.json()["score"] <= 100
    assert {f["rule"] for f in scored.json()["findings"]}
    empty = script.post("/api/v1/coach/score", json={"text": "  "})
    assert empty.status_code == 422 and error_of(empty)["hint"]
    composed = script.post("/api/v1/coach/compose", json={"contact_id": cid})
    assert composed.status_code == 200 and composed.json()["variants"]
    assert script.post("/api/v1/coach/compose", json={"contact_id": 999}).status_code == 404
    stats = script.get("/api/v1/stats").json()
    assert stats["voicemails_left"] == 0


def test_the_spec_and_its_docs_page_need_a_sign_in(lite: Api) -> None:
    anonymous = lite.client()
    assert anonymous.get("/api/v1/openapi.json").status_code == 401
    assert anonymous.get("/openapi.json").status_code == 404
    assert anonymous.get("/docs").status_code == 404
    docs = anonymous.get("/api/v1/docs", follow_redirects=False)
    assert docs.status_code == 303 and docs.headers["location"].startswith("/signin")

    spec = lite.client(lite.token()).get("/api/v1/openapi.json").json()
    assert set(spec["paths"]) >= {"/api/v1/contacts", "/api/v1/contacts/{contact_id}"}
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

    page = lite.browser().get("/api/v1/docs")
    assert page.status_code == 200 and "GET /api/v1/contacts" in page.text
    assert "<script" not in page.text.replace('<script src="/static/app.js" defer></script>', "")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_tokens_create_as_an_unknown_user_says_so(lite: Api) -> None:
    from tests.conftest import Cli

    cli = Cli(lite.settings.data_dir, lite.url)
    reply = cli("tokens", "create", "--name", "crm", "--as", "nobody@example.com", "--json")
    assert reply.exit_code != 0 and "users add" in reply.output
    with transaction(lite.url) as db:
        assert sessions.list_tokens(db) == []


def test_migration_0017_fills_updated_at_and_keeps_task_links_both_ways(db_url: str) -> None:
    """Existing interactions and follow-ups get ``updated_at`` (so a first sync sees them),
    and going down and up again unlinks no voicemail from its callback task."""
    from alembic import command
    from sqlalchemy import text

    from ringback.db.migrate import alembic_config
    from ringback.db.session import get_engine

    command.downgrade(alembic_config(db_url), "0012")
    stamp = {"t": "2026-11-23 10:00:00", "o": "2026-11-20 09:30:00"}
    with get_engine(db_url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO contacts (id, name, is_lead, created_at, updated_at)"
                " VALUES (1, 'Sarah', false, :t, :t)"
            ),
            stamp,
        )
        conn.execute(
            text(
                "INSERT INTO interactions (id, contact_id, kind, direction, occurred_at)"
                " VALUES (1, 1, 'call', 'outbound', :o)"
            ),
            stamp,
        )
        conn.execute(
            text(
                "INSERT INTO follow_ups (id, contact_id, title, created_at) VALUES (5, 1, 'Call', :t)"
            ),
            stamp,
        )
        conn.execute(
            text(
                "INSERT INTO voicemails (id, uid, source, source_key, status, received_at,"
                " callback_task_id, created_at, updated_at)"
                " VALUES (1, 'u1', 'upload', 'k1', 'done', :t, 5, :t, :t)"
            ),
            stamp,
        )
    upgrade_to_head(db_url)
    with transaction(db_url) as db:
        interaction = db.get(Interaction, 1)
        task = db.get(FollowUp, 5)
        assert interaction is not None and interaction.updated_at == interaction.occurred_at
        assert task is not None and task.updated_at == task.created_at
    command.downgrade(alembic_config(db_url), "0012")
    upgrade_to_head(db_url)
    with transaction(db_url) as db:
        message = db.get(Voicemail, 1)
        assert message is not None and message.callback_task_id == 5


def upgrade_to_head(url: str) -> None:
    from ringback.db.migrate import upgrade

    upgrade(url)
