"""What the CRM reads in ``voicemail.processed`` (issue 16 §3): a caller matched to a
contact is named (with their company) even when the message never said who it was; an
unknown caller is named only by what they said. The pipeline's last step, on a real
database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from ringback.contacts.models import Contact
from ringback.db.session import transaction
from ringback.outbound.models import WebhookDelivery
from ringback.outbound.service import add_endpoint
from ringback.voicemail.announce import WebhooksStage
from ringback.voicemail.facts import MessageFacts
from ringback.voicemail.models import Voicemail, VoicemailSource, VoicemailStatus
from ringback.voicemail.pipeline.records import context_from_row
from tests.support.accounts import add_user


def _announce(url: str, *, key: str, contact_id: int | None, facts: MessageFacts) -> dict:
    """Run the pipeline's webhook step on a message; the caller part of its payload."""
    with transaction(url) as db:
        row = Voicemail(
            source=VoicemailSource.UPLOAD,
            source_key=key,
            from_number="+14155550100",
            received_at=datetime(2026, 11, 23, 15, tzinfo=UTC),
            status=VoicemailStatus.PROCESSING,
            contact_id=contact_id,
        )
        db.add(row)
        db.flush()
        ctx = replace(context_from_row(row), facts=facts)
    WebhooksStage(url, region="US").run(ctx)
    with transaction(url) as db:
        queued = db.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc())).first()
        assert queued is not None
        return dict(json.loads(queued.payload)["caller"])


def test_a_known_callers_name_and_company_reach_the_crm(db_url: str) -> None:
    owner = add_user(db_url)
    with transaction(db_url) as db:
        add_endpoint(db, user_id=owner.id, url="https://crm.example.com/hook")
        ann = Contact(name="Ann Lee", company="Acme Freight")
        db.add(ann)
        db.flush()
        ann_id = ann.id

    unsaid = MessageFacts(summary="Wants a quote")
    known = _announce(db_url, key="known", contact_id=ann_id, facts=unsaid)
    assert known == {"number": "+14155550100", "name": "Ann Lee", "company": "Acme Freight"}

    said = MessageFacts(summary="Wants a quote", caller_name="Bob", company="Bob's Bikes")
    stranger = _announce(db_url, key="stranger", contact_id=None, facts=said)
    assert stranger["name"] == "Bob" and stranger["company"] == "Bob's Bikes"
    assert _announce(db_url, key="silent", contact_id=None, facts=unsaid)["name"] is None
