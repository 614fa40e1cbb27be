"""What each HTTP error status means, said once for both of the app's audiences.

A refusal under ``/api/v1`` is a JSON body with a stable ``code`` and a ``hint``
(:mod:`ringback.web.api.errors`); the same refusal to a browser is a page with a title
and advice (:mod:`ringback.web.errors`). They are two wordings of one fact about the
status, so they live in one row per status here: a status added or reworded for one
audience is in front of whoever writes the other's.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Meaning:
    """One status: the API's ``code`` and ``hint`` (the hint when the raiser gave none),
    and the error page's ``title`` and ``advice`` (empty: the status has no page of its
    own, and a browser gets the general one, see :func:`page_meaning`)."""

    code: str
    hint: str
    title: str = ""
    advice: str = ""


MEANINGS: dict[int, Meaning] = {
    400: Meaning(
        "bad_request",
        "check the request's parameters against /api/v1/openapi.json",
        "That request could not be read",
        "Go back, check what you entered, and try again.",
    ),
    401: Meaning(
        "unauthorized",
        "send `Authorization: Bearer TOKEN` (make one with `ringback tokens create --name NAME`)"
        " or sign in",
    ),
    403: Meaning(
        "forbidden",
        "your account may not do this; ask the owner",
        "Not allowed",
        "If you were filling in a form, reload the page and send it again: forms expire "
        "when you sign out or sign in elsewhere. Otherwise your account may not do this.",
    ),
    404: Meaning(
        "not_found",
        "check the id; list the collection to see what there is",
        "Page not found",
        "Check the address, or start again from Today.",
    ),
    405: Meaning(
        "method_not_allowed",
        "see /api/v1/openapi.json for the methods each path takes",
        "Not available that way",
        "Use the page's own links and buttons.",
    ),
    409: Meaning("conflict", "use a new Idempotency-Key for a different request"),
    413: Meaning("too_large", "send a smaller body", "Too large", "Send something smaller."),
    415: Meaning("unsupported_media_type", "send JSON (Content-Type: application/json)"),
    422: Meaning(
        "invalid",
        "correct the fields named in the message and send it again",
        "Some of what you entered is not valid",
        "Go back, correct it, and send it again.",
    ),
    429: Meaning(
        "rate_limited",
        "wait for the seconds in Retry-After, then try again",
        "Too many attempts",
        "Wait a few minutes, then try again.",
    ),
    500: Meaning(
        "internal",
        "try again; if it keeps happening, the server log says why",
        "Something went wrong on our side",
        "Try again in a moment. If it keeps happening, the server log (ringback serve) says why.",
    ),
}


# The database cannot be reached (:mod:`ringback.db.reachable`): a 503 with Retry-After,
# whatever the request was. Said to the user, not the operator: nothing was saved, and
# the same request will work once the database is back.
DATABASE_RETRY_SECONDS = 60
DATABASE_UNREACHABLE = Meaning(
    "database_unavailable",
    "nothing from this request was saved; send it again in a minute (Retry-After gives"
    " the seconds). If it keeps happening, check that the database server is running",
    "Ringback cannot reach its database right now",
    "Nothing you sent was saved. Try again in a minute; if you were filling in a form, "
    "send it again then.",
)


def _general(status: int) -> Meaning:
    """A status without a row of its own means what a client's (400) or the server's
    (500) error means."""
    return MEANINGS[500 if status >= 500 else 400]


def meaning(status: int) -> Meaning:
    """The row for ``status`` (the API's code and hint)."""
    return MEANINGS.get(status) or _general(status)


def page_meaning(status: int) -> Meaning:
    """The row whose title and advice the error page for ``status`` shows."""
    row = MEANINGS.get(status)
    return row if row is not None and row.title else _general(status)
