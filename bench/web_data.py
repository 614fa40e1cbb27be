"""A web app's worth of data for ``bench/bench_web.py``: contacts with phones, emails and
back stories, their timeline (calls, voicemails left, emails, meetings, notes — also logged
as outreach events for the Stats page), inbound voicemails with transcripts, word timings
and facts, callback tasks and past call reviews, all bulk-inserted with SQLAlchemy Core.

The content is made of words a salesperson's database holds, from a seeded generator, so
a search, a transcript and a back story look like the real thing to the queries and the
templates. Nothing here is timed.
"""

from __future__ import annotations

import random
import uuid
import wave
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

FIRST = [
    "Sarah",
    "Michael",
    "Priya",
    "Tom",
    "Grace",
    "Luis",
    "Hannah",
    "Omar",
    "Julia",
    "Kenji",
    "Amara",
    "David",
    "Elena",
    "Marcus",
    "Nadia",
    "Peter",
    "Rosa",
    "Samuel",
    "Tara",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zoe",
    "Brian",
    "Chloe",
]
LAST = [
    "Nguyen",
    "Patel",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Kowalski",
    "Haddad",
    "Larsen",
    "Moreau",
    "Tanaka",
    "Silva",
    "Fischer",
    "Byrne",
    "Costa",
    "Ibrahim",
    "Novak",
    "Walsh",
    "Duarte",
    "Lindqvist",
    "Mensah",
    "Park",
    "Reyes",
]
COMPANIES = (
    "Northwind",
    "Bluebird Realty",
    "Harbor Dental",
    "Oakline Builders",
    "Summit Insurance",
    "Greenfield Farms",
    "Keystone Motors",
    "Lakeside Clinic",
    "Pioneer Logistics",
    "Redwood Capital",
    "Silverline Homes",
    "Tidewater Foods",
)
TITLES = ("Owner", "Office Manager", "VP Sales", "Broker", "Practice Manager", "CFO", None)
STORIES = (
    ("personal_goal", "wants to retire to the coast within {n} years"),
    ("professional_goal", "aims to grow production by {n}% this year"),
    ("financial_goal", "budget of ${n},000 for the new system"),
    ("challenge", "lost two reps last quarter and is short-staffed"),
    ("interest", "coaches her daughter's soccer team on Saturdays"),
    ("life_event", "just moved the office to {street}"),
)
STREETS = ("12 Oak Street", "400 Harbor Way", "9 Mill Lane", "77 Pine Avenue", "31 Elm Court")
NOTES = (
    "Asked for the pricing sheet and a reference in {company}'s line of work.",
    "Left a message about the renewal; mentioned the {n}% discount ends Friday.",
    "Good call: they want a demo for the whole team next week.",
    "Not the decision maker; the owner is back on the {n}th.",
    "Sent the proposal for ${n},000 with the three-year option.",
)
KINDS = ("call", "call", "call", "voicemail_left", "email", "email", "meeting", "note")
MESSAGE = (
    "Hi {first}, this is {caller} from {company}. I got your note about the {topic} and I "
    "would like to talk it through before we decide. We are looking at about ${n},000 and "
    "we need it in place by the end of the month. Could you call me back at {spoken} after "
    "three tomorrow? Again that is {spoken}. Thanks so much, talk soon."
)
TOPICS = (
    "renewal",
    "new listing on Oak Street",
    "quote for the roof",
    "dental chairs",
    "fleet insurance",
    "spring open house",
    "software trial",
)
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = 700 * 86400  # about two years of history


@dataclass(frozen=True)
class Built:
    """What the routes table fills its paths in with (``/contacts/{contact_id}``…)."""

    contact_id: int  # a contact with a full timeline and back story
    voicemail_id: int  # a transcribed message with words, facts and a recording
    query: str  # a search a person types: part of a surname
    contacts_page: int  # a page deep in the contact list
    inbox_page: int  # a page deep in the inbox


def _batches(rows: Iterator[dict[str, Any]], size: int = 10_000) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(conn: Any, table: Any, rows: Iterator[dict[str, Any]]) -> None:
    from sqlalchemy import insert

    for batch in _batches(rows):
        conn.execute(insert(table), batch)


def _when(rng: random.Random) -> datetime:
    return START + timedelta(seconds=rng.randrange(SPAN))


def _phone(rng: random.Random) -> str:
    return f"+1{rng.choice((212, 415, 617, 312, 503))}555{rng.randrange(10_000):04d}"


def _contacts(rng: random.Random, n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        yield {
            "name": name if i % 97 else f"{name}-{i}",
            "company": rng.choice(COMPANIES),
            "title": rng.choice(TITLES),
            "timezone": "America/New_York",
            "owner": None,
            "is_lead": rng.random() < 0.3,
            "created_at": _when(rng),
            "updated_at": _when(rng),
        }


def _story(rng: random.Random, contact_id: int) -> dict[str, Any]:
    kind, text = rng.choice(STORIES)
    return {
        "contact_id": contact_id,
        "kind": kind,
        "text": text.format(n=rng.randrange(2, 40), street=rng.choice(STREETS)),
        "phrase": None,
        "source": "bench",
        "noted_on": None,
        "created_at": _when(rng),
    }


def _interactions(rng: random.Random, ids: list[int], n: int) -> Iterator[dict[str, Any]]:
    for _ in range(n):
        kind = rng.choice(KINDS)
        text = rng.choice(NOTES).format(company=rng.choice(COMPANIES), n=rng.randrange(5, 30))
        yield {
            "contact_id": rng.choice(ids),
            "kind": kind,
            "direction": "none" if kind == "note" else rng.choice(("inbound", "outbound")),
            "occurred_at": _when(rng),
            "outcome": rng.choice(("connected", "no_answer", None)),
            "text": text,
        }


def _outreach(row: dict[str, Any], i: int, rng: random.Random) -> dict[str, Any] | None:
    """The Stats page's view of one interaction (notes and meetings are not outreach)."""
    channel = {"call": "call", "voicemail_left": "voicemail", "email": "email"}.get(row["kind"])
    if channel is None:
        return None
    epoch = int(row["occurred_at"].timestamp())
    left = channel == "voicemail"
    return {
        "key": f"bench:{i}",
        "contact_id": row["contact_id"],
        "channel": channel,
        "direction": "outbound" if left else row["direction"],
        "outcome": "voicemail"
        if left
        else ("received" if row["direction"] == "inbound" else "connected"),
        "occurred_at": row["occurred_at"],
        "epoch": epoch,
        "hour": epoch // 3600,
        "source": "bulk",
        "script": None,
        "created_at": row["occurred_at"],
        "score": rng.randrange(20, 100) if left else None,
        "rule_bits": rng.getrandbits(11) if left else None,
        "variant": rng.choice(("A", "B")) if left else None,
        "return_seconds": rng.randrange(600, 5 * 86400) if left and rng.random() < 0.3 else None,
    }


def _words(text: str, rng: random.Random) -> list[dict[str, Any]]:
    out, t = [], 0.4
    for token in text.split():
        length = 0.12 + 0.045 * len(token)
        sure = rng.random() > 0.06
        out.append(
            {
                "text": token,
                "start": round(t, 2),
                "end": round(t + length, 2),
                "probability": round(rng.uniform(0.8, 0.99) if sure else 0.3, 2),
            }
        )
        t += length + rng.uniform(0.03, 0.2)
    return out


def _voicemail(
    rng: random.Random, i: int, contact: tuple[int, str] | None, recording: Path
) -> dict[str, Any]:
    number = _phone(rng)
    caller = contact[1] if contact else f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    company, topic, amount = rng.choice(COMPANIES), rng.choice(TOPICS), rng.randrange(5, 900)
    spoken = " ".join(DIGITS[int(d)] for d in number[2:])
    text = MESSAGE.format(
        first="Dana", caller=caller, company=company, topic=topic, n=amount, spoken=spoken
    )
    words = _words(text, rng)
    received = _when(rng)
    facts = {
        "callback_number": number,
        "callback_number_confidence": 0.96,
        "caller_name": caller.split()[0],
        "company": company,
        "emails": [],
        "dates": [{"text": "after three tomorrow", "iso": None}],
        "amounts": [f"${amount},000"],
        "addresses": [],
        "urgent": rng.random() < 0.1,
        "summary": f"about the {topic}: ${amount},000, by the end of the month",
        "asks_callback": True,
        "is_prospect": contact is None,
    }
    read = rng.random() < 0.8
    return {
        "uid": uuid.uuid4().hex,
        "source": "upload",
        "source_key": f"bench:{i}",
        "source_meta": None,
        "original_path": str(recording),
        "original_sha256": None,
        "original_size": recording.stat().st_size,
        "original_filename": f"message-{i}.wav",
        "mime": "audio/wav",
        "from_number": number,
        "caller_name": None,
        "to_number": None,
        "received_at": received,
        "duration": words[-1]["end"] + 0.5,
        "status": "done",
        "status_reason": None,
        "language": "en",
        "transcript": text,
        "words": words,
        "facts": facts,
        "contact_id": contact[0] if contact else None,
        "callback_task_id": None,
        "handled_at": received + timedelta(hours=2) if read and rng.random() < 0.7 else None,
        "read_at": received + timedelta(hours=1) if read else None,
        "email_key": None,
        "claimed_by": None,
        "claimed_until": None,
        "created_at": received,
        "updated_at": received,
    }


def _recording(data_dir: Path) -> Path:
    """One short WAV inside the data folder that every message plays (what is measured is
    the page, not the audio)."""
    path = data_dir / "voicemail" / "bench.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 8000 * 20)
    return path


def build(
    url: str,
    data_dir: Path,
    *,
    contacts: int,
    interactions: int,
    voicemails: int,
    owner_id: int,
    seed: int = 15,
) -> Built:
    """Fill the migrated, empty database at ``url``; ``owner_id`` owns the call reviews."""
    from sqlalchemy import select, text

    from ringback.calls.models import CallReview
    from ringback.contacts.models import (
        BackStoryItem,
        Contact,
        ContactEmail,
        ContactPhone,
        FollowUp,
        Interaction,
    )
    from ringback.db.session import get_engine
    from ringback.tracking.models import OutreachEvent
    from ringback.voicemail.models import Voicemail

    rng = random.Random(seed)
    engine = get_engine(url)
    with engine.begin() as conn:
        _insert(conn, Contact.__table__, _contacts(rng, contacts))
        people = [tuple(r) for r in conn.execute(select(Contact.id, Contact.name))]
        ids = [p[0] for p in people]
        _insert(
            conn,
            ContactPhone.__table__,
            ({"contact_id": c, "e164": _phone(rng), "label": "mobile"} for c in ids),
        )
        _insert(
            conn,
            ContactEmail.__table__,
            ({"contact_id": c, "label": "work", "address": f"person{c}@example.com"} for c in ids),
        )
        _insert(conn, BackStoryItem.__table__, (_story(rng, c) for c in ids for _ in range(3)))
        timeline = list(_interactions(rng, ids, interactions))
        _insert(conn, Interaction.__table__, iter(timeline))
        events = (_outreach(row, i, rng) for i, row in enumerate(timeline))
        _insert(conn, OutreachEvent.__table__, (e for e in events if e is not None))
        now = datetime.now(UTC)
        _insert(
            conn,
            FollowUp.__table__,
            (
                {
                    "contact_id": rng.choice(ids),
                    "title": "Call back about the quote",
                    "created_at": now,
                    "due_at": now + timedelta(hours=rng.randrange(-72, 240)),
                    "done_at": None,
                }
                for _ in range(max(1, contacts // 10))
            ),
        )
        recording = _recording(data_dir)
        _insert(
            conn,
            Voicemail.__table__,
            (
                _voicemail(rng, i, rng.choice(people) if rng.random() < 0.7 else None, recording)
                for i in range(voicemails)
            ),
        )
        _insert(
            conn,
            CallReview.__table__,
            (
                {
                    "owner_id": owner_id,
                    "contact_id": rng.choice(ids),
                    "original_name": f"call-{i}.wav",
                    "original_path": str(recording),
                    "original_sha256": "0" * 64,
                    "status": "done",
                    "progress": 1.0,
                    "stage": "done",
                    "error": "",
                    "result_path": "",
                    "created_at": _when(rng),
                    "updated_at": _when(rng),
                }
                for i in range(60)
            ),
        )
        voicemail_id = conn.execute(
            select(Voicemail.id)
            .where(Voicemail.contact_id.is_not(None))
            .order_by(Voicemail.id.desc())
            .limit(1)
        ).scalar_one()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # Fresh planner statistics, as autovacuum would keep them on a live server.
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    counts = Counter(row["contact_id"] for row in timeline)
    busiest = max(ids[:200], key=lambda c: counts[c])
    return Built(
        contact_id=busiest,
        voicemail_id=voicemail_id,
        query=people[len(people) // 2][1].split()[-1][:4].lower(),
        contacts_page=max(1, contacts // 50 // 2),
        inbox_page=max(1, voicemails // 50 // 2),
    )
