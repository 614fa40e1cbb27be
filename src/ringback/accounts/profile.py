"""Who is speaking: each user's profile (their name and callback number), what their
voicemail scripts, prep briefs, greetings, follow-up emails and call reviews say.

:func:`speaker_for` is the one place that decides it: the user's own name and phone, else
(for the phone) their personal line's number. The install's first owner is the person the
``RINGBACK_OWNER_*`` settings describe: for them (and for a database with no user yet) a
setting that is set comes first and their profile fills what the settings leave blank, so
a single-user install speaks exactly as before. Another user never speaks with the owner's
name or number: what they have not set stays a placeholder, with a warning saying where to
set it. The company is the install's (``RINGBACK_OWNER_COMPANY``) for everyone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from ringback.accounts.models import PhoneLine, User
from ringback.accounts.service import (
    AccountError,
    UserView,
    can,
    find_user,
    first_owner_id,
    record,
)
from ringback.accounts.speaker import Speaker

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings

MAX_NAME = 200  # users.name's length


def _personal_line(session: Session, user_id: int) -> str:
    query = select(PhoneLine.number).where(
        PhoneLine.user_id == user_id, PhoneLine.kind == "personal"
    )
    return session.scalar(query.order_by(PhoneLine.id).limit(1)) or ""


def _speaker_of(session: Session, user: User, settings: Settings, install_owner: bool) -> Speaker:
    base = Speaker.from_settings(settings)
    if install_owner:
        # The settings describe this user and were set on purpose: they come first (as
        # before profiles), and RINGBACK_OWNER_PHONE, their own number, before a Twilio
        # line that only takes messages.
        name = base.name or user.name.strip()
        phone = base.phone or user.phone or _personal_line(session, user.id)
        email = base.email or user.email
    else:
        name = user.name.strip()
        phone = user.phone or _personal_line(session, user.id)
        email = user.email
    return Speaker(
        name=name,
        company=base.company,
        phone=phone,
        email=email,
        region=base.region,
        profile_of=user.email,
        from_settings_too=install_owner,
        user_id=user.id,
    )


def speaker_for(session: Session, *, user_id: int | None, settings: Settings) -> Speaker:
    """Who speaks for ``user_id``: see the module's docstring. None (the system, or a row
    with no owner) is the first owner, whose rows those are; with no user at all, the
    settings."""
    first = first_owner_id(session)
    target = user_id if user_id is not None else first
    user = session.get(User, target) if target is not None else None
    if user is None:
        return Speaker.from_settings(settings)
    return _speaker_of(session, user, settings, install_owner=user.id == first)


def acting_speaker(session: Session, *, settings: Settings) -> Speaker:
    """Who speaks for the user ``session`` acts as (CLI ``--as``, the signed-in web user,
    the API token's user)."""
    from ringback.accounts.scope import actor_of

    actor = actor_of(session)
    return speaker_for(session, user_id=actor.id if actor else None, settings=settings)


@dataclass(frozen=True)
class LineSpeakers:
    """Who answers each line (its user's speaker) and who answers any other number (the
    first owner's): what the voice webhook's fallback greeting says, held in memory; and
    the team's prospect lines (E.164), which it answers as such."""

    by_number: dict[str, Speaker]
    default: Speaker
    prospects: frozenset[str] = frozenset()

    def answering(self, number: str | None, region: str) -> Speaker:
        if not self.by_number:  # no lines (one person): nothing to parse on each call
            return self.default
        from ringback.phones import e164_or_none

        key = e164_or_none(number, region) if number else None
        return self.by_number.get(key or "", self.default)


def line_speakers(session: Session, *, settings: Settings) -> LineSpeakers:
    """Every line's speaker, its user's, read at once (see :class:`LineSpeakers`)."""
    from ringback.accounts.lines import prospect_numbers

    query = select(PhoneLine.number, PhoneLine.user_id).join(User).where(User.disabled.is_(False))
    speakers: dict[int, Speaker] = {}
    by_number = {}
    for number, user_id in session.execute(query):
        if user_id not in speakers:
            speakers[user_id] = speaker_for(session, user_id=user_id, settings=settings)
        by_number[number] = speakers[user_id]
    default = speaker_for(session, user_id=None, settings=settings)
    return LineSpeakers(by_number, default, prospect_numbers(session))


def clean_name(name: str) -> str:
    """A profile name as stored: one line, trimmed; AccountError when too long."""
    value = " ".join(name.split())
    if len(value) > MAX_NAME:
        raise AccountError(f"a name may have at most {MAX_NAME} characters")
    return value


def clean_phone(phone: str, region: str) -> str | None:
    """A profile phone as stored: E.164, None for "" (cleared); AccountError when it is
    not a phone number."""
    from ringback.phones import e164_or_none

    text = phone.strip()
    if not text:
        return None
    found = e164_or_none(text[:40], region)
    if found is None:
        raise AccountError(
            f"not a phone number: {text[:40]!r}; write it with its area code "
            "(e.g. 415 555 0137, or +44 20 7946 0018 for another country)"
        )
    return found


def edit_profile(
    session: Session,
    email: str,
    *,
    name: str | None = None,
    phone: str | None = None,
    region: str,
    by: UserView | None = None,
) -> UserView:
    """Set ``email``'s name and/or phone (None: unchanged; "" clears the phone). A user
    edits their own profile, an owner anyone's (``by`` None: the system). Audited."""
    user = find_user(session, email)
    if user is None:
        raise AccountError(f"no user with email {email.strip()[:80]!r} (see `ringback users list`)")
    if by is not None and by.id != user.id and not can(by, "manage_users"):
        raise AccountError(f"only {user.email} or an owner may edit {user.email}'s profile")
    new_name = clean_name(name) if name is not None else user.name
    new_phone = clean_phone(phone, region) if phone is not None else user.phone
    changed = [
        field
        for field, before, after in (
            ("name", user.name, new_name),
            ("phone", user.phone, new_phone),
        )
        if before != after
    ]
    user.name, user.phone = new_name, new_phone
    session.flush()
    if changed:  # which fields, not their values: the trail is no copy of anyone's number
        detail = json.dumps({"user": user.email, "changed": changed})
        record(session, "profile", user_id=by.id if by else user.id, detail=detail)
    return UserView.of(user)
