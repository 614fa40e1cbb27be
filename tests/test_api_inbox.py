"""A CRM script acting on a voicemail through /api/v1 as the message's page does: read the
proposed back-story items, capture the ones it keeps into the contact (once), or mark the
message done; refused while processing, 404 for another rep's message or contact, and
every change seen by the next ``updated_since`` sync. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from ringback.accounts.scope import acting_transaction
from ringback.accounts.service import UserView
from ringback.contacts.models import BackStoryItem, Contact, FollowUp, Interaction
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from tests.support.accounts import csrf_of
from tests.support.api import Api, collect, error_of

OLD = datetime(2026, 1, 1, tzinfo=UTC)
SINCE = "2026-01-02T00:00:00Z"
FACTS: dict[str, Any] = {
    "caller_name": "Sarah Quinn",
    "callback_number": "+14155550137",
    "callback_number_confidence": 0.97,
    "dates": [{"text": "after three tomorrow", "iso": "2026-11-24T15:00:00-05:00"}],
    "amounts": ["$450,000"],
    "addresses": ["12 Oak Street"],
    "summary": "wants to see the house tomorrow after 3 pm",
    "asks_callback": True,
}


@pytest.fixture
def api(tmp_path: Path, db_url: str) -> Iterator[Api]:
    api = Api(tmp_path, db_url)
    yield api
    api.close()


def _message(
    api: Api, owner: UserView | None = None, status: VoicemailStatus = VoicemailStatus.DONE
) -> int:
    """A processed message from an unknown caller (``owner``'s), last changed long before
    the CRM's last sync."""
    with acting_transaction(api.url, owner or api.user) as db:
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key=f"api-inbox-{status}-{owner.id if owner else 0}",
            from_number="+14155550137",
            received_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
            status=status,
            transcript="Hi, this is Sarah Quinn, about the house on 12 Oak Street.",
            facts=FACTS,
        )
        db.add(row)
        db.flush()
        vid = row.id
    with transaction(api.url) as db:
        db.execute(update(Voicemail).values(updated_at=OLD))
    return vid


def _state(api: Api, vid: int) -> tuple[Any, ...]:
    """What a capture or a mark-done would change: the message and the contacts' side."""
    with transaction(api.url) as db:
        row = db.get(Voicemail, vid)
        assert row is not None
        counts = tuple(
            db.scalar(select(func.count()).select_from(model))
            for model in (Contact, BackStoryItem, Interaction, FollowUp)
        )
        return (row.handled_at, row.read_at, row.contact_id, row.updated_at, *counts)


def _synced(script: Any) -> list[int]:
    return [v["id"] for v in collect(script, f"/api/v1/voicemails?updated_since={SINCE}")]


def test_a_script_captures_exactly_the_items_it_keeps_once(api: Api) -> None:
    vid = _message(api)
    script = api.client(api.token())
    detail = script.get(f"/api/v1/voicemails/{vid}").json()
    proposed = detail["proposed_back_story"]
    assert [(p["index"], p["kind"]) for p in proposed] == [
        (0, "interest"),
        (1, "financial_goal"),
        (2, "interest"),
    ]
    assert proposed[1]["text"] == "Amounts mentioned: $450,000"
    assert _synced(script) == []

    reply = script.post(f"/api/v1/voicemails/{vid}/capture", json={"keep": [1, 2]})
    assert reply.status_code == 200, reply.text
    captured = reply.json()
    assert captured["already_captured"] is False and captured["created_contact"] is True
    assert captured["contact_name"] == "Sarah Quinn" and captured["handled_at"].endswith("Z")
    filed = [(p["kind"], p["text"]) for p in proposed[1:]]
    assert [(b["kind"], b["text"]) for b in captured["back_story"]] == filed
    assert captured["follow_up"]["title"] and captured["interaction_id"]

    # The contact has those two items and the call; the CRM's next sync sees the change.
    contact = script.get(f"/api/v1/contacts/{captured['contact_id']}").json()
    stored = sorted(item["text"] for items in contact["back_story"].values() for item in items)
    assert stored == sorted(text for _kind, text in filed)
    assert [i["kind"] for i in contact["interactions"]] == ["voicemail_received"]
    [synced] = collect(script, f"/api/v1/voicemails?updated_since={SINCE}")
    assert synced["id"] == vid and synced["handled"] is True
    assert synced["contact_id"] == captured["contact_id"]

    # Again, even asking for everything: nothing changes, and it says so.
    before = _state(api, vid)
    again = script.post(f"/api/v1/voicemails/{vid}/capture", json={"keep": None})
    assert again.status_code == 200, again.text
    assert again.json()["already_captured"] is True
    assert again.json()["back_story"] == captured["back_story"]
    assert _state(api, vid) == before


def test_capturing_without_a_body_files_every_proposed_item(api: Api) -> None:
    vid = _message(api)
    script = api.client(api.token())
    reply = script.post(f"/api/v1/voicemails/{vid}/capture")
    assert reply.status_code == 200, reply.text
    assert len(reply.json()["back_story"]) == 3


def test_done_marks_it_handled_and_read_without_filing(api: Api) -> None:
    vid = _message(api)
    script = api.client(api.token())
    reply = script.post(f"/api/v1/voicemails/{vid}/done")
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"voicemail_id": vid, "already": False}
    handled_at, read_at, contact_id, _updated, contacts, *_ = _state(api, vid)
    assert handled_at is not None and read_at is not None
    assert contact_id is None and contacts == 0
    assert _synced(script) == [vid]

    before = _state(api, vid)
    assert script.post(f"/api/v1/voicemails/{vid}/done").json() == {
        "voicemail_id": vid,
        "already": True,
    }
    assert _state(api, vid) == before
    assert script.post("/api/v1/voicemails/99999/done").status_code == 404


def test_a_message_still_processing_is_409_and_nothing_changes(api: Api) -> None:
    vid = _message(api, status=VoicemailStatus.PROCESSING)
    script = api.client(api.token())
    before = _state(api, vid)
    reply = script.post(f"/api/v1/voicemails/{vid}/capture", json={"keep": [0]})
    assert reply.status_code == 409
    error = error_of(reply)
    assert error["code"] == "not_capturable" and "processing" in error["message"]
    assert f"/api/v1/voicemails/{vid}/done" in error["hint"]
    assert _state(api, vid) == before and _synced(script) == []


def test_unknown_ids_and_contacts_out_of_reach_are_404_with_a_hint(api: Api) -> None:
    sam = api.add_user("sam@example.com", role="rep")
    kim = api.add_user("kim@example.com", role="rep")
    vid = _message(api, owner=sam)
    sams, kims = api.client(api.token(sam)), api.client(api.token(kim))
    kims_contact = kims.post("/api/v1/contacts", json={"name": "Kim's client"}).json()["id"]
    before = _state(api, vid)

    for path in (f"/api/v1/voicemails/{vid}/capture", f"/api/v1/voicemails/{vid}/done"):
        refused = kims.post(path, json={"keep": [0]} if path.endswith("capture") else None)
        assert refused.status_code == 404, (path, refused.text)
        assert "Sarah" not in refused.text and error_of(refused)["code"] == "not_found"
    assert kims.get(f"/api/v1/voicemails/{vid}").status_code == 404
    unknown = sams.post("/api/v1/voicemails/99999/capture")
    assert unknown.status_code == 404 and "/api/v1/voicemails" in error_of(unknown)["hint"]

    # Sam cannot file his message under Kim's contact (nor one that does not exist).
    for target in (kims_contact, 99999):
        reply = sams.post(f"/api/v1/voicemails/{vid}/capture", json={"merge_into": target})
        assert reply.status_code == 404, reply.text
        error = error_of(reply)
        assert error["message"].startswith("merge_into") and "merge_into" in error["hint"]
    assert _state(api, vid)[:4] == before[:4]  # the message is as it was

    assert sams.post(f"/api/v1/voicemails/{vid}/capture", json={"keep": [-1]}).status_code == 422
    assert sams.post(f"/api/v1/voicemails/{vid}/capture", json={"kep": [0]}).status_code == 422


def test_capture_into_a_contact_of_ones_own(api: Api) -> None:
    vid = _message(api)
    script = api.client(api.token())
    mine = script.post("/api/v1/contacts", json={"name": "Sarah Q. Quinn"}).json()["id"]
    reply = script.post(f"/api/v1/voicemails/{vid}/capture", json={"merge_into": mine})
    assert reply.status_code == 200, reply.text
    assert reply.json()["contact_id"] == mine and reply.json()["created_contact"] is False
    with transaction(api.url) as db:
        phones = db.get(Contact, mine).phones  # type: ignore[union-attr]
        assert [p.e164 for p in phones] == ["+14155550137"]


def test_a_retried_capture_with_its_idempotency_key_gets_the_first_answer(api: Api) -> None:
    vid = _message(api)
    script = api.client(api.token())
    key = {"Idempotency-Key": "crm-capture-1"}
    first = script.post(f"/api/v1/voicemails/{vid}/capture", json={"keep": [0]}, headers=key)
    again = script.post(f"/api/v1/voicemails/{vid}/capture", json={"keep": [0]}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.json()["already_captured"] is False
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = script.post(f"/api/v1/voicemails/{vid}/capture", json={"keep": [1]}, headers=key)
    assert other.status_code == 409 and error_of(other)["code"] == "idempotency_key_reused"
    with transaction(api.url) as db:
        assert db.scalar(select(func.count()).select_from(BackStoryItem)) == 1


def test_a_browser_session_captures_with_its_csrf_token(lite: Api) -> None:
    vid = _message(lite)
    browser = lite.browser()
    refused = browser.post(f"/api/v1/voicemails/{vid}/done")
    assert refused.status_code == 403 and error_of(refused)["code"] == "forbidden"
    assert _state(lite, vid)[0] is None
    token = {"X-CSRF-Token": csrf_of(browser.get("/contacts"))}
    assert browser.post(f"/api/v1/voicemails/{vid}/done", headers=token).status_code == 200
    assert lite.client().post(f"/api/v1/voicemails/{vid}/capture").status_code == 401


def test_the_capture_answer_states_every_field_of_the_cli_contract() -> None:
    """``CapturedOut`` restates ``Captured.to_json()`` (``inbox capture --json``) with the
    API's times: a key added there must be added here."""
    from ringback.voicemail.capture import Captured
    from ringback.web.api.models import CapturedOut

    keys = set(Captured(voicemail_id=1, already=False, handled_at=None).to_json())
    assert keys == set(CapturedOut.model_fields)
