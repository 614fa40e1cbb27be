"""The team the isolation tests attack and the deletion tests use: two reps in team A
(Alice, Adam), a rep in team B (Bob), a manager of team A (Mia) and the owner (Dana).
Alice and Bob each own one of everything: a contact with a phone, an email and a
back-story item, a note, a task, a voicemail with its audio, a drafted follow-up, a call
review with its recording, a Twilio recording and a webhook endpoint; each person has a
signed-in browser and an API token."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from ringback.accounts.scope import acting_transaction
from ringback.accounts.service import UserView
from ringback.accounts.sessions import create_token
from ringback.calls import reviews
from ringback.calls.models import CallReview
from ringback.calls.uploads import store_call_upload
from ringback.contacts.models import (
    BackStoryItem,
    BackStoryKind,
    Contact,
    ContactEmail,
    ContactPhone,
    FollowUp,
    Interaction,
    InteractionKind,
)
from ringback.db.session import transaction
from ringback.outbound.models import WebhookEndpoint
from ringback.telephony.models import RecordingStatus, TelephonyRecording
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from ringback.voicemail.store import store_original
from ringback.web import create_app
from tests.support.accounts import PASSWORD, add_user, csrf_of, sign_in
from tests.support.audio import to_wav
from tests.support.twilio import make_settings

HTML = {"accept": "text/html"}
NOW = datetime.now(UTC)
PEOPLE = {
    "alice": ("rep", "A"),
    "adam": ("rep", "A"),
    "bob": ("rep", "B"),
    "mia": ("manager", "A"),
}
PHONES = {"alice": "+14155550111", "bob": "+14155550122"}
AUDIO = to_wav((12000 * np.sin(np.arange(16000) / 7)).astype(np.int16))


def email(who: str) -> str:
    return f"{who}@example.com"


def secret(who: str) -> str:
    """The word in every name and text of ``who``'s things: never in another rep's page."""
    return f"Secretname{who.title()}"


def _make(url: str, data_dir: Path, user: UserView, who: str) -> dict[str, int]:
    """One of everything, made acting as ``user`` (the owner is stamped, not given)."""
    from tests.support.tracking import drafted_email  # it imports the conftest, which imports us

    word = secret(who)
    with acting_transaction(url, user) as session:
        contact = Contact(name=f"Zed {word}", company=f"{word} Inc")
        contact.phones = [ContactPhone(e164=PHONES[who])]
        contact.emails = [ContactEmail(address=f"{who}.client@example.com")]
        contact.back_story = [
            BackStoryItem(kind=BackStoryKind.INTEREST, text=f"sails; {word} story")
        ]
        session.add(contact)
        session.flush()
        note = Interaction(contact_id=contact.id, kind=InteractionKind.NOTE, text=f"{word} note")
        task = FollowUp(contact_id=contact.id, title=f"Call {word}", due_at=NOW)
        stored = store_original(AUDIO, data_dir, filename=f"{who}.wav")
        voicemail = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key=f"iso-{who}",
            from_number=PHONES[who],
            received_at=NOW - timedelta(hours=1),
            status=VoicemailStatus.DONE,
            transcript=f"Hi, this is {word}.",
            facts={"summary": f"{word} wants a quote"},
            original_path=str(stored.path),
            mime="audio/wav",
            original_size=len(AUDIO),
            contact_id=contact.id,
        )
        session.add_all([note, task, voicemail])
        step = drafted_email(
            session, contact_id=contact.id, subject=f"{word} quote", body=f"Hi {word}", now=NOW
        )
        recording = TelephonyRecording(
            recording_sid=f"RE{who:0>32}"[:34],
            call_sid=f"CA{who:0>32}"[:34],
            account_sid="AC" + "0" * 32,
            recording_url=f"https://api.twilio.com/{word}",
            from_number=PHONES[who],
            to_number="+14155550100",
            caller_name=word,
            line="personal",
            status=RecordingStatus.INGESTED,
            received_at=NOW,
        )
        endpoint = WebhookEndpoint(
            user_id=user.id,
            url=f"https://crm.example.com/{word}",
            secret="whsec_" + "x" * 40,
            events="voicemail.processed",
            active=True,
            created_at=NOW,
        )
        session.add_all([recording, endpoint])
        call = store_call_upload(
            io.BytesIO(AUDIO), data_dir=data_dir, max_bytes=1 << 30, max_minutes=5
        )
        review = reviews.create_review(
            session,
            owner_id=user.id,
            stored=call,
            original_name=f"{word}.wav",
            contact_id=contact.id,
        )
        # Failed, not queued: the app's review worker would analyse a queued one.
        row = session.get(CallReview, review.id)
        assert row is not None
        row.status, row.error = "failed", "no speech"
        session.flush()
        return {
            "contact": contact.id,
            "item": contact.back_story[0].id,
            "note": note.id,
            "task": task.id,
            "voicemail": voicemail.id,
            "step": step.id,
            "review": review.id,
            "recording": recording.id,
            "endpoint": endpoint.id,
        }


class World:
    """The team, each rep's things, and a signed-in browser per person."""

    def __init__(self, tmp_path: Path, url: str) -> None:
        self.url = url
        self.settings = make_settings(tmp_path, database_url=url)
        self.users = {"dana": add_user(url, email("dana"), name="Dana")}
        for who, (role, team) in PEOPLE.items():
            self.users[who] = add_user(url, email(who), role=role, team=team)
        self.things = {
            who: _make(url, self.settings.data_dir, self.users[who], who)
            for who in ("alice", "bob")
        }
        self.app = create_app(self.settings, prepare_database=False)
        self.browsers: dict[str, TestClient] = {}
        with transaction(url) as session:  # scripts' way in: a personal API token
            self.tokens = {
                who: create_token(session, self.users[who], "script")[1] for who in PEOPLE
            }

    def browser(self, who: str) -> TestClient:
        if who not in self.browsers:
            client = TestClient(
                self.app, base_url="http://127.0.0.1", raise_server_exceptions=False
            )
            client.__enter__()
            assert sign_in(client, email(who), PASSWORD).status_code == 303
            self.browsers[who] = client
        return self.browsers[who]

    def post(self, who: str, path: str, **kw: Any) -> Any:
        client = self.browser(who)
        token = csrf_of(client.get("/contacts"))
        data = {"csrf_token": token, **kw.pop("data", {})}
        return client.post(path, data=data, headers=HTML, follow_redirects=False, **kw)

    def close(self) -> None:
        for client in self.browsers.values():
            client.__exit__(None, None, None)


@pytest.fixture
def world(tmp_path: Path, db_url: str) -> Iterator[World]:
    """The team on SQLite and PostgreSQL (``db_url``), its browsers closed afterwards."""
    made = World(tmp_path, db_url)
    yield made
    made.close()
