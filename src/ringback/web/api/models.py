"""The API's request and response bodies (pydantic), as the OpenAPI spec describes them.

Built from the domains' frozen records (``as_json()``), never from ORM rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from ringback.contacts.models import Direction, InteractionKind

Name = Annotated[str, Field(min_length=1, max_length=200)]
Short = Annotated[str, Field(max_length=200)]
Phone = Annotated[str, Field(min_length=1, max_length=40)]
Email = Annotated[str, Field(min_length=3, max_length=320)]
# Long text in a JSON body: fits the app's 64 KiB body limit even as \\uXXXX escapes.
TEXT_MAX = 10_000
RefId = Annotated[int, Field(ge=1, le=2**31 - 1)]  # an id in a body (32-bit on PostgreSQL)


def utc_text(moment: datetime) -> str:
    """The API's one way to write a time: ISO 8601 in UTC with ``Z``, to the second
    (``2026-11-24T15:00:00Z``); a time without an offset is taken as UTC. Truncated, never
    rounded up, so sending an ``updated_at`` back as ``updated_since`` never skips a change."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


#: A time in a response body: every route writes it the same way (see :func:`utc_text`).
Time = Annotated[
    datetime,
    PlainSerializer(utc_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="serialization"),
]


class Strict(BaseModel):
    """A request body: an unknown field is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ContactIn(Strict):
    name: Name
    phone: Phone | None = Field(None, description="One phone number (any common format).")
    phones: list[Phone] = Field(default_factory=list, max_length=20)
    emails: list[Email] = Field(default_factory=list, max_length=20)
    company: Short | None = None
    title: Short | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    allow_duplicate: bool = Field(
        False, description="Create it even when a contact has the same phone or email."
    )


class ContactPatch(Strict):
    name: Name | None = None
    company: Short | None = None
    title: Short | None = None
    timezone: Annotated[str, Field(max_length=64)] | None = None
    add_phones: list[Phone] = Field(default_factory=list, max_length=20)
    remove_phones: list[Phone] = Field(default_factory=list, max_length=20)
    add_emails: list[Email] = Field(default_factory=list, max_length=20)
    remove_emails: list[Email] = Field(default_factory=list, max_length=20)


class ContactOut(BaseModel):
    id: int
    name: str
    company: str | None
    title: str | None
    phones: list[str]
    emails: list[str]
    timezone: str | None
    owner: str | None
    created_at: Time | None
    updated_at: Time | None


class BackStoryEntry(BaseModel):
    id: int
    text: str
    phrase: str | None
    source: str | None
    date: date | None


class InteractionIn(Strict):
    kind: InteractionKind
    direction: Direction = Direction.NONE
    at: datetime | None = Field(None, description="When it happened (default: now).")
    outcome: Annotated[str, Field(max_length=64)] | None = None
    text: Annotated[str, Field(max_length=TEXT_MAX)] | None = None


class InteractionOut(BaseModel):
    id: int
    contact_id: int
    kind: str
    direction: str
    at: Time
    outcome: str | None
    text: str | None


class FollowUpOut(BaseModel):
    id: int
    contact_id: int | None
    title: str
    due: Time | None
    done: bool
    done_at: Time | None
    updated_at: Time | None = Field(
        description="When it last changed (created, edited, done): `updated_since` filters on it."
    )


class ContactDetailOut(ContactOut):
    back_story: dict[str, list[BackStoryEntry]]
    interactions: list[InteractionOut]
    interaction_count: int
    open_follow_ups: list[FollowUpOut]


class ContactPage(BaseModel):
    items: list[ContactOut]
    next: str | None = Field(description="The next page's URL; null on the last page.")


class InteractionPage(BaseModel):
    items: list[InteractionOut]
    next: str | None


class FollowUpPage(BaseModel):
    items: list[FollowUpOut]
    next: str | None


class VoicemailOut(BaseModel):
    id: int
    status: str
    received_at: Time | None
    caller: str
    from_number: str | None
    callback_number: str | None
    callback_extension: str | None
    duration: float | None
    duration_label: str
    summary: str
    urgent: bool
    is_prospect: bool
    handled: bool
    handled_at: Time | None
    contact_id: int | None
    updated_at: Time = Field(
        description="When it last changed (processed, read, captured, done): "
        "`updated_since` filters on it."
    )
    audio_url: str = Field(description="The recording (same credentials).")


class VoicemailPage(BaseModel):
    items: list[VoicemailOut]
    next: str | None


class ProposedStoryItem(BaseModel):
    index: int = Field(description="What `keep` names it by when capturing.")
    kind: str
    label: str
    text: str


class VoicemailDetailOut(VoicemailOut):
    status_reason: str | None
    language: str | None
    transcript: str | None
    callback_at: str | None = Field(
        description="When the caller asked to be called back: ISO 8601, a date alone when "
        "only a day was said, or null."
    )
    facts: dict[str, Any] | None
    proposed_back_story: list[ProposedStoryItem] = Field(
        description="What capturing adds to the contact's back story; send the indexes to "
        "keep as `keep` (all of them when it is left out)."
    )


class CaptureIn(Strict):
    keep: list[Annotated[int, Field(ge=0, le=1000)]] | None = Field(
        None,
        max_length=100,
        description="Indexes of `proposed_back_story` items to file; null or left out: all.",
    )
    merge_into: RefId | None = Field(
        None, description="The caller is this contact: file it there (merging one made before)."
    )


class StoryItemOut(BaseModel):
    kind: str
    text: str


class CallbackTaskOut(BaseModel):
    id: int
    title: str
    due_at: Time | None
    done: bool


class MergeProposal(BaseModel):
    contact_id: int
    name: str
    company: str | None
    strength: Literal["strong", "probable"]
    score: float
    reasons: list[str]


class CapturedOut(BaseModel):
    """What capturing did (``ringback inbox capture --json``)."""

    voicemail_id: int
    already_captured: bool = Field(description="It had been captured or marked done before.")
    contact_id: int | None = Field(description="Null for a hang-up without a caller to file.")
    contact_name: str | None
    created_contact: bool
    interaction_id: int | None
    back_story: list[StoryItemOut] = Field(description="What this message filed, ever.")
    follow_up: CallbackTaskOut | None
    handled_at: Time | None
    proposed_merge: list[MergeProposal] = Field(
        description="Contacts the caller probably is: capture again with `merge_into`."
    )
    merged: dict[str, int] = Field(description="What `merge_into` moved, by kind.")


class DoneOut(BaseModel):
    voicemail_id: int
    already: bool = Field(description="It was handled (captured or done) before.")


class CallJob(BaseModel):
    id: int
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    stage: str
    error: str
    contact_id: int | None
    original_name: str
    created_at: Time
    updated_at: Time
    url: str = Field(description="Where to poll for the job and, once done, the analysis.")


class CallDetail(CallJob):
    analysis: dict[str, Any] | None = Field(description="The analysis once status is done.")


class CallPage(BaseModel):
    items: list[CallJob]
    next: str | None


class ScoreIn(Strict):
    text: Annotated[str, Field(max_length=TEXT_MAX)]
    contact_id: RefId | None = Field(None, description="Score against this contact's goals.")


class ComposeIn(Strict):
    contact_id: RefId
    reason: Annotated[str, Field(max_length=500)] | None = None
    value: Annotated[str, Field(max_length=500)] | None = None
    next_step: Annotated[str, Field(max_length=500)] | None = None
