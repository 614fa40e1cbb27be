"""The pipeline's last step: the ``voicemail.processed`` webhook queued for the CRM.

Queuing is a row written in this step's own transaction (``outbound.enqueue_event``):
the pipeline never waits for a receiver, and a slow or dead one cannot hold a message
back. The sender (``ringback serve``'s background, or ``ringback webhooks deliver``)
posts it later, with retries. Idempotent: a resumed run queues the same delivery once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ringback.voicemail.pipeline.context import VoicemailContext
from ringback.voicemail.pipeline.stages import Stage

if TYPE_CHECKING:
    from ringback.contacts.models import Contact
    from ringback.voicemail.models import Voicemail


def processed_payload(
    ctx: VoicemailContext, row: Voicemail, region: str, contact: Contact | None = None
) -> dict[str, Any]:
    """What a CRM logs of one message: who called (the matched ``contact``'s name and
    company when the caller is known, else what the message said), what they want, when to
    call back (numbers in E.164 when they are valid numbers, as given otherwise)."""
    from ringback.db.base import utcnow
    from ringback.phones import e164_or_none

    def number(raw: str | None) -> str | None:
        return e164_or_none(raw, region) or raw

    facts = ctx.facts
    said_name = (facts.caller_name if facts else None) or ctx.caller_name
    said_company = facts.company if facts else None
    return {
        "voicemail_id": ctx.voicemail_id,
        "voicemail_uid": ctx.voicemail_uid or None,
        "status": "no_message" if ctx.no_message else "done",
        "received_at": ctx.received_at.isoformat(),
        "processed_at": utcnow().isoformat(),
        "duration_seconds": round(ctx.duration, 1) if ctx.duration else None,
        "caller": {
            "number": number(ctx.from_number),
            "name": (contact.name if contact else None) or said_name,
            "company": (contact.company if contact else None) or said_company,
        },
        "to_number": number(ctx.to_number),
        "callback_number": facts.callback_number if facts else None,
        "callback_at": facts.callback_at if facts else None,
        "summary": facts.summary if facts else "",
        "intent": facts.intent if facts else None,
        "urgent": bool(facts and facts.urgent),
        "contact_id": row.contact_id,
        "callback_task_id": row.callback_task_id,
    }


class WebhooksStage(Stage):
    """Last step: queue ``voicemail.processed`` for the owner's webhooks (sent later)."""

    name = "webhooks"

    def __init__(self, url: str, *, region: str) -> None:
        self.url, self.region = url, region

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        # The runner asks for output() right after run(), in the same thread: keep it here.
        self._queued = queue_processed(self.url, ctx, self.region)
        return ctx

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return {"deliveries": list(getattr(self, "_queued", ()))}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return ctx


def queue_processed(url: str, ctx: VoicemailContext, region: str) -> tuple[int, ...]:
    """The deliveries queued for this message (none when nobody listens)."""
    from ringback.contacts.models import Contact
    from ringback.db.session import transaction
    from ringback.outbound.service import VOICEMAIL_PROCESSED, enqueue_event, owner_of_event
    from ringback.voicemail.models import Voicemail

    with transaction(url) as session:
        row = session.get(Voicemail, ctx.voicemail_id)
        if row is None:
            raise LookupError(f"no voicemail {ctx.voicemail_id}")
        contact = session.get(Contact, row.contact_id) if row.contact_id is not None else None
        return enqueue_event(
            session,
            event=VOICEMAIL_PROCESSED,
            event_id=ctx.voicemail_uid or ctx.voicemail_id,
            owner_id=owner_of_event(session, row),
            data=processed_payload(ctx, row, region, contact),
            contact_id=row.contact_id,
        )
