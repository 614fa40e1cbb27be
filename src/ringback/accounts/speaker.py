"""The person a script, greeting or follow-up email speaks as (a user's profile, or the
RINGBACK_OWNER_* settings): a plain record, importable without the database, so the pure
composers (``coach.compose``, ``tracking.drafts``) take it. Who it is for a user is
:func:`ringback.accounts.profile.speaker_for`'s to decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ringback.config import Settings


@dataclass(frozen=True)
class Speaker:
    """The person a script, greeting or email speaks as.

    ``profile_of``: the email of the user whose profile this is ("" when it comes from the
    settings alone); ``from_settings_too``: the RINGBACK_OWNER_* settings fill its blanks
    (the install's owner), so what is missing is named as those settings; ``user_id``:
    that user's id (None from the settings alone)."""

    name: str = ""
    company: str = ""
    phone: str = ""
    email: str = ""
    region: str = "US"
    profile_of: str = ""
    from_settings_too: bool = True
    user_id: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Speaker:
        return cls(
            # A setting left out may be None (an .env line with no value): as if empty.
            name=(settings.owner_name or "").strip(),
            company=(settings.owner_company or "").strip(),
            phone=(settings.owner_phone or "").strip(),
            email=(settings.owner_email or "").strip(),
            region=settings.default_region,
        )

    @property
    def greetings_of(self) -> int | None:
        """Whose recorded greetings this speaker records and is greeted with: the
        install's (None) for the first owner and a database with no user (the
        RINGBACK_OWNER_* settings speak for them), else the user's own."""
        return None if self.from_settings_too else self.user_id

    def phone_written(self) -> str:
        """The phone as an email signs it: another user's (E.164, from their profile or
        line) in the region's national format; the install owner's as before (the setting
        as it was written)."""
        if self.from_settings_too or not self.phone.startswith("+"):
            return self.phone
        from ringback.phones import as_said_in

        return as_said_in(self.phone, self.region)

    def missing(self) -> list[str]:
        """What a composed script needs but is not set: the settings' names for the
        install's owner, else the profile's fields."""
        if self.from_settings_too:
            needed = (("RINGBACK_OWNER_NAME", self.name), ("RINGBACK_OWNER_PHONE", self.phone))
        else:
            needed = (("your name", self.name), ("your phone number", self.phone))
        return [label for label, value in needed if not value]

    def where_to_set(self) -> str:
        """Where to set what :meth:`missing` names, as the end of a sentence."""
        profile = (
            f"Settings → Your profile, or `ringback users edit {self.profile_of} "
            "--name NAME --phone NUMBER`"
        )
        if not self.from_settings_too:
            return f"in your profile ({profile})"
        if self.profile_of:
            return f"(environment or .env), or in your profile ({profile})"
        return "(environment or .env)"
