"""What a person does with a recorded call: analyse it, write the coaching report, and
accept the report's proposed back-story items and follow-ups into the contact.

The one layer ``ringback call analyze | report | accept`` and the web app call. Functions
that touch the database take a Session and never commit (the caller's transaction
decides); they return frozen records. The engines live beside this module:
:mod:`~ringback.calls.analysis` (metrics), :mod:`~ringback.calls.followups` (proposals),
:mod:`~ringback.calls.report` (the files).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from ringback.errors import HintedError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.accounts.speaker import Speaker as Person
    from ringback.calls.analysis import CallAnalysis, Progress
    from ringback.calls.followups import Proposal
    from ringback.calls.targets import Target
    from ringback.config import Settings
    from ringback.contacts.models import Contact


class ProposalsError(HintedError):
    """A proposals file that cannot be accepted (missing, not ours, accepted before)."""


@dataclass(frozen=True)
class CallContact:
    """Who a call was with."""

    id: int
    name: str


def call_contact(session: Session, *, ref: str | int, region: str) -> CallContact:
    """The contact a call was with, by id, name, email or phone (ContactNotFound if none)."""
    from ringback.contacts.service import get_contact

    found = get_contact(session, ref=ref, region=region)
    return CallContact(found.id, found.name)


def call_time(file: Path, *, at: str | None, tz: tzinfo) -> datetime:
    """When the call took place: ``at`` as the user wrote it (ValueError if unreadable), or
    the recording's own time (recorders write the file when the call ends)."""
    from ringback.contacts.fields import parse_when

    if at:
        return parse_when(at, tz)
    stamp = file.stat().st_mtime if file.is_file() else datetime.now().timestamp()
    return datetime.fromtimestamp(stamp, tz=tz)


def analyze_call(
    file: Path,
    *,
    settings: Settings,
    rep_channel: int = 0,
    mono: bool = False,
    rep_voice: Path | None = None,
    progress: Progress | None = None,
    on_progress: Callable[[float], None] | None = None,
    rep: Person | None = None,
) -> CallAnalysis:
    """Talk share, questions, interruptions and listening metrics of the call in ``file``
    (``mono``: mix the channels down and tell the voices apart; ``rep``: whose call it
    is, the profile they introduce themselves with). Returns the analysis, its warnings
    included; raises CallAudioError or SpeechError. ``progress`` hears each step in words,
    ``on_progress`` the fraction of the transcription done (a progress bar)."""
    from ringback.calls import analysis

    return analysis.analyze_call(
        file,
        settings=settings,
        rep_channel=rep_channel,
        force_mono=mono,
        rep_voice=rep_voice,
        progress=progress,
        on_progress=on_progress,
        rep=rep,
    )


@dataclass(frozen=True)
class CallReport:
    """A written call report: where its files are, and what they say."""

    contact: CallContact
    out_dir: Path
    files: dict[str, Path]
    analysis: CallAnalysis
    targets: tuple[Target, ...]
    proposals: tuple[Proposal, ...]

    def as_json(self) -> dict[str, Any]:
        """The ``ringback call report --json`` contract."""
        return {
            "contact": {"id": self.contact.id, "name": self.contact.name},
            "files": {k: str(v) for k, v in self.files.items()},
            "analysis": self.analysis.contract(),
            "details": self.analysis.details(),
            "targets": [t.__dict__ for t in self.targets],
            "proposals": [p.as_json() for p in self.proposals],
        }


def write_call_report(
    *,
    analysis: CallAnalysis,
    contact: CallContact,
    call_at: datetime,
    out_dir: Path,
    tz: ZoneInfo,
) -> CallReport:
    """Write report.md, report.html, timeline.svg and proposals.json (the proposed
    back-story updates and follow-ups) into ``out_dir``; nothing is added to the contact.
    Raises OSError, or ModuleNotFoundError without the calls extra."""
    from ringback.calls.followups import propose
    from ringback.calls.report import ReportInput, write_report
    from ringback.calls.targets import evaluate

    proposals = propose(analysis.metrics.turns, call_at=call_at, tz=tz)
    data = ReportInput(analysis, contact.id, contact.name, call_at, proposals)
    files = write_report(data, out_dir)
    return CallReport(
        contact, out_dir, files, analysis, tuple(evaluate(analysis)), tuple(proposals)
    )


@dataclass(frozen=True)
class ProposalsFile:
    """A report's proposals.json as read: its path and its document."""

    path: Path
    doc: dict[str, Any]


def read_proposals(path: Path, *, tz: tzinfo | None = None) -> ProposalsFile:
    """The proposals a report wrote, from its folder or the file itself; ProposalsError if
    there are none, they are not a Ringback proposals file, or they were accepted before
    (when, said in the user's timezone ``tz``; by default the zone it was stamped in)."""
    from ringback.calls.report import PROPOSALS

    file = path / PROPOSALS if path.is_dir() else path
    if not file.is_file():
        raise ProposalsError(
            f"no {PROPOSALS} at {path}", "pass the folder `ringback call report` wrote"
        )
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("proposals"), list):
            raise ValueError("no proposals list")
        int(doc["contact_id"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise ProposalsError(
            f"{file} is not a Ringback proposals file ({exc})", "run `ringback call report` again"
        ) from None
    if doc.get("accepted_at"):
        raise ProposalsError(
            f"these proposals were already accepted {_accepted_when(doc['accepted_at'], tz)}; "
            "nothing was written",
            "run `ringback call report` again for a new review",
        )
    return ProposalsFile(file, doc)


def _accepted_when(stamp: object, tz: tzinfo | None) -> str:
    """``on Mon 7 Dec, 3:04 pm`` / ``today 3:04 pm`` (:mod:`ringback.timefmt`)."""
    from ringback.timefmt import format_mentioned

    text = str(stamp)
    try:
        zone = tz or datetime.fromisoformat(text).tzinfo or ZoneInfo("UTC")
    except ValueError:
        return f"on {text}"
    words = format_mentioned(text, zone)
    return words if words.startswith(("today", "yesterday")) else f"on {words}"


@dataclass(frozen=True)
class AcceptedProposals:
    """What accepting a call's proposals filed: the call on the contact's timeline (its
    interaction id) and the back-story items and follow-ups added."""

    contact: str
    interaction_id: int
    back_story: tuple[dict[str, Any], ...]
    follow_ups: tuple[dict[str, Any], ...]

    def as_json(self) -> dict[str, Any]:
        """The ``ringback call accept --json`` contract."""
        return {
            "contact": self.contact,
            "interaction_id": self.interaction_id,
            "back_story": list(self.back_story),
            "follow_ups": list(self.follow_ups),
        }


def accept_call_proposals(
    session: Session,
    *,
    proposals: ProposalsFile,
    settings: Settings,
    only: set[int] | None = None,
) -> AcceptedProposals:
    """File the proposals (``only``: just these numbers) into the contact, with the call
    itself on their timeline. Call :func:`mark_proposals_accepted` once this is committed,
    so they are never filed twice."""
    from ringback.contacts.history import add_interaction
    from ringback.contacts.models import Direction, InteractionKind
    from ringback.contacts.service import contact_by_id

    doc = proposals.doc
    call_at = datetime.fromisoformat(doc["call_at"])
    contact = contact_by_id(session, int(doc["contact_id"]))
    interaction = add_interaction(
        session,
        contact=contact,
        kind=InteractionKind.CALL,
        direction=Direction.OUTBOUND,
        occurred_at=call_at,
        outcome="connected",
        text=str(doc.get("summary") or ""),
    )
    source = f"call {Path(doc['file']).name} {call_at.astimezone(settings.tz):%Y-%m-%d}"
    added: dict[str, list[dict[str, Any]]] = {"back_story": [], "follow_ups": []}
    for p in doc["proposals"]:
        if only is None or p.get("id") in only:
            _file_one(session, p, contact, interaction.id, source, call_at, settings, added)
    return AcceptedProposals(
        contact.name, interaction.id, tuple(added["back_story"]), tuple(added["follow_ups"])
    )


def _file_one(
    session: Session,
    p: dict[str, Any],
    contact: Contact,
    interaction_id: int,
    source: str,
    call_at: datetime,
    settings: Settings,
    added: dict[str, list[dict[str, Any]]],
) -> None:
    """One proposal into the contact: a back-story item, or a follow-up tied to the call."""
    from ringback.contacts.fields import parse_when
    from ringback.contacts.history import add_follow_up
    from ringback.contacts.service import add_back_story

    minute = f"{int(p['start'] // 60):02d}:{int(p['start'] % 60):02d}"
    if p["kind"] == "back_story":
        item = add_back_story(
            session,
            contact=contact,
            kind=p["story_kind"],
            text=p["text"],
            source=f"{source} at {minute}",
            noted_on=call_at.astimezone(settings.tz).date(),
        )
        added["back_story"].append({"id": item.id, "kind": item.kind.value, "text": item.text})
    elif p["kind"] == "follow_up":
        due = parse_when(p["due"], settings.tz) if p.get("due") else None
        follow = add_follow_up(session, contact=contact, title=p["text"][:500], due_at=due)
        follow.interaction_id = interaction_id
        added["follow_ups"].append({"id": follow.id, "title": follow.title, "due": follow.due_at})


def mark_proposals_accepted(proposals: ProposalsFile, *, now: datetime) -> None:
    """Stamp the proposals file accepted (written atomically), so it is never filed twice."""
    from ringback.durable import write_atomic

    doc = {**proposals.doc, "accepted_at": now.isoformat(timespec="seconds")}
    file = proposals.path
    write_atomic(file, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode(), file.parent)
