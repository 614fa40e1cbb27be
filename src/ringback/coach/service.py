"""What a person does with the voicemail coach: score a draft, compose voicemails for a
contact, check a live-call opener, rehearse a take.

The one layer ``ringback coach score | compose | opener | rehearse`` and the web app call.
Keyword-only functions returning frozen records; the ones that read a contact take a
Session and never write. Scoring errors are :class:`~ringback.coach.text.ScriptError`
(empty or oversized text), with a hint for the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    from sqlalchemy.orm import Session

    from ringback.coach.compose import Owner, Variant
    from ringback.coach.rehearse import Rehearsal
    from ringback.coach.scoring import Score
    from ringback.config import Settings
    from ringback.contacts.profile import ContactProfile
    from ringback.speech import Transcriber


def contact_profile(session: Session, *, ref: str | int, region: str) -> ContactProfile:
    """What the coach knows of a contact (back story, goals, interactions), found by id,
    name, email or phone; ContactNotFound if none."""
    from ringback.contacts.profile import profile_of
    from ringback.contacts.service import get_contact

    return profile_of(get_contact(session, ref=ref, region=region))


def score_draft(
    *, text: str, profile: ContactProfile | None = None, owner: Owner | None = None
) -> Score:
    """Score a voicemail script 0-100: one finding per rule (passed or not, why, what to
    try); with ``profile`` the value rule checks it against the contact's goals; with
    ``owner`` (``accounts.profile.acting_speaker``) the hints use the speaker's name, company and number."""
    from ringback.coach.scoring import score_script

    return _for_owner(score_script(text, profile=profile), owner)


def check_opener(*, text: str, owner: Owner | None = None) -> Score:
    """Score a live-call opener for defensiveness triggers ("How are you today?", a pitch
    before your name and reason, no respect for their time)."""
    from ringback.coach import opener

    return _for_owner(opener.check_opener(text), owner)


def _for_owner(score: Score, owner: Owner | None) -> Score:
    if owner is None:
        return score
    return score.for_owner(name=owner.name, company=owner.company, phone=owner.phone)


@dataclass(frozen=True)
class ComposedVoicemails:
    """Scored voicemail variants for a contact, best first, and what to set or record so
    they are ready to speak (``warnings``)."""

    profile: ContactProfile
    variants: tuple[Variant, ...]
    warnings: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The ``ringback coach compose --json`` contract."""
        return {
            "contact": {"id": self.profile.id, "name": self.profile.name},
            "warnings": list(self.warnings),
            "variants": [v.as_json() for v in self.variants],
        }


def compose_voicemails(
    session: Session,
    *,
    contact_ref: str | int,
    settings: Settings,
    reason: str | None = None,
    value: str | None = None,
    next_step: str | None = None,
) -> ComposedVoicemails:
    """Write scored voicemail variants from the contact's back story: each follows up on
    the last conversation, speaks to their goal, says why you call, proposes a concrete
    next step and gives your number twice. ContactNotFound if there is no such contact."""
    from ringback.accounts.profile import acting_speaker
    from ringback.coach.compose import compose_variants

    owner = acting_speaker(session, settings=settings)  # the scripts speak as the acting user
    profile = contact_profile(session, ref=contact_ref, region=settings.default_region)
    variants = compose_variants(
        profile, owner=owner, reason=reason, value=value, next_step=next_step
    )
    return ComposedVoicemails(profile, tuple(variants), tuple(owner_warnings(owner, profile)))


def owner_warnings(owner: Owner, profile: ContactProfile) -> list[str]:
    """What keeps composed scripts from being ready to speak: your name, number or company
    not set, or nothing recorded about the contact yet."""
    from ringback.coach.compose import NAME_PLACEHOLDER, NUMBER_PLACEHOLDER

    warnings = []
    missing = owner.missing()
    if missing:
        slots = " and ".join(
            p
            for p, value in ((NAME_PLACEHOLDER, owner.name), (NUMBER_PLACEHOLDER, owner.phone))
            if not value
        )
        warnings.append(
            f"{' and '.join(missing)} not set: the scripts say {slots}; "
            f"set {'them' if len(missing) > 1 else 'it'} {owner.where_to_set()} "
            "so they are ready to speak"
        )
    if not owner.company:
        warnings.append(
            "RINGBACK_OWNER_COMPANY not set: the scripts do not say where you are calling from"
        )
    if not (profile.back_story or profile.interactions):
        warnings.append(
            f"nothing is recorded about {profile.name} yet: these are first-contact scripts that "
            "cannot speak to their goals; add their goals or your last interaction first"
        )
    return warnings


def rehearse_take(
    *,
    samples: npt.NDArray[np.float32],
    settings: Settings,
    script: str | None = None,
    transcriber: Transcriber | None = None,
) -> Rehearsal:
    """Measure a practice voicemail (16 kHz mono ``samples``): length, speaking rate,
    pauses, pitch variation, fillers, how slowly the callback number was said, how far it
    strayed from ``script``, and the top things to change. Raises NoSpeech or SpeechError."""
    from ringback.coach.rehearse import rehearse
    from ringback.speech import FasterWhisperTranscriber

    engine = transcriber or FasterWhisperTranscriber.from_settings(settings)
    return rehearse(samples, script=script, transcriber=engine, region=settings.default_region)
