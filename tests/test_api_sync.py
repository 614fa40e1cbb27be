"""A CRM syncing through /api/v1 (issue 16 §3): every listed resource carries an
``updated_at`` that ``updated_since`` filters on, so a voicemail read or processed, or a
follow-up done, after the last sync comes back in the next one; and every time in every
body is written one way (ISO 8601 UTC with ``Z``), which the spec calls ``date-time``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update

from ringback.contacts.models import Contact, FollowUp
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from tests.support.api import Api, collect

OLD = datetime(2026, 1, 1, tzinfo=UTC)
SINCE = "2026-01-02T00:00:00Z"
UTC_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _seed(api: Api) -> tuple[int, int, int]:
    """A contact, a voicemail from them (still processing) and a follow-up, all last
    changed long before the CRM's last sync."""
    with transaction(api.url) as db:
        contact = Contact(name="Ann Lee")
        db.add(contact)
        db.flush()
        message = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key="sync-test",
            from_number="+14155550100",
            received_at=datetime(2026, 11, 23, 15, 0, 0, 123456, tzinfo=UTC),
            status=VoicemailStatus.PROCESSING,
            contact_id=contact.id,
        )
        task = FollowUp(contact_id=contact.id, title="Call Ann back")
        db.add_all([message, task])
        db.flush()
        ids = contact.id, message.id, task.id
    with transaction(api.url) as db:
        for model in (Contact, Voicemail, FollowUp):
            db.execute(update(model).values(updated_at=OLD))
    return ids


def _ids(script: Any, path: str) -> list[int]:
    return [item["id"] for item in collect(script, f"{path}?updated_since={SINCE}")]


def test_a_voicemail_or_follow_up_changed_after_the_last_sync_comes_back(lite: Api) -> None:
    _contact, message, task = _seed(lite)
    script = lite.client(lite.token())
    assert _ids(script, "/api/v1/voicemails") == []
    assert _ids(script, "/api/v1/follow-ups") == []

    # Read in the web inbox: the CRM sees it changed.
    assert lite.browser().get(f"/inbox/{message}").status_code == 200
    [changed] = collect(script, f"/api/v1/voicemails?updated_since={SINCE}")
    assert changed["id"] == message and changed["updated_at"] > SINCE

    # Processed later: still listed, its status the new one.
    with transaction(lite.url) as db:
        db.execute(update(Voicemail).values(updated_at=OLD))
        row = db.get(Voicemail, message)
        assert row is not None
        row.status = VoicemailStatus.DONE
    [processed] = collect(script, f"/api/v1/voicemails?updated_since={SINCE}")
    assert processed["status"] == "done"

    assert script.post(f"/api/v1/follow-ups/{task}/complete").status_code == 200
    [done] = collect(script, f"/api/v1/follow-ups?updated_since={SINCE}")
    assert done["id"] == task and done["done"] and done["updated_at"] > SINCE


def _times(body: Any, key: str = "") -> list[tuple[str, str]]:
    """Every (field, value) in ``body`` whose field names a time."""
    if isinstance(body, dict):
        return [pair for k, v in body.items() for pair in _times(v, k)]
    if isinstance(body, list):
        return [pair for item in body for pair in _times(item, key)]
    is_time = key.endswith("_at") or key in {"at", "due"}
    return [(key, body)] if is_time and isinstance(body, str) else []


def test_every_time_in_the_api_is_utc_with_z_and_a_date_time_in_the_spec(lite: Api) -> None:
    contact, message, _task = _seed(lite)
    script = lite.client(lite.token())
    script.post(f"/api/v1/contacts/{contact}/interactions", json={"kind": "note", "text": "hi"})
    bodies = [
        script.get(path).json()
        for path in (
            "/api/v1/contacts",
            f"/api/v1/contacts/{contact}",
            f"/api/v1/contacts/{contact}/interactions",
            "/api/v1/voicemails",
            f"/api/v1/voicemails/{message}",
            "/api/v1/follow-ups",
        )
    ]
    times = _times(bodies)
    named = {name for name, _ in times}
    assert {"created_at", "updated_at", "received_at", "at"} <= named, named
    assert [t for t in times if not UTC_Z.match(t[1])] == []
    # Settings are in New York: the message came in at 15:00 UTC, written as such.
    assert bodies[3]["items"][0]["received_at"] == "2026-11-23T15:00:00Z"

    schemas = script.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name, field in (
        ("VoicemailOut", "received_at"),
        ("VoicemailOut", "updated_at"),
        ("FollowUpOut", "updated_at"),
        ("ContactOut", "created_at"),
    ):
        prop = schemas[name]["properties"][field]
        formats = [prop.get("format")] + [s.get("format") for s in prop.get("anyOf", [])]
        assert "date-time" in formats, (name, field, prop)


def test_the_api_voicemail_states_every_field_the_inbox_entry_has() -> None:
    """The API's voicemail model restates the inbox entry on purpose (UTC times, its own
    documented contract), so a field added to the entry for the CLI or the pages must be
    added to the API by hand, or named here as left out, never forgotten."""
    from dataclasses import fields

    from ringback.voicemail.inbox import InboxEntry
    from ringback.web.api.models import VoicemailOut

    left_out: set[str] = set()  # entry fields the API deliberately does not send
    missing = {f.name for f in fields(InboxEntry)} - set(VoicemailOut.model_fields) - left_out
    assert missing == set(), f"add to VoicemailOut (or to left_out, saying why): {missing}"
