"""``ringback call list`` and ``ringback call delete``: the call reviews uploaded on the
web app or the API, as the acting user sees them (``--as``), and deleting one after
saying what goes (:mod:`ringback.calls.removal`). Added to the ``call`` group in
:mod:`ringback.calls.cli`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from ringback.command_kit import ErrorHints, Hint, confirm_deletion, work
from ringback.console import console, print_deletion, print_json
from ringback.inputs import ROW_ID

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.calls.reviews import ReviewRow
    from ringback.config import Settings

LIST_HINT = "see your call reviews' ids with `ringback call list`"
STATUS_STYLE = {"done": "green", "failed": "red", "running": "yellow", "queued": "yellow"}


def _hints() -> ErrorHints:
    from ringback.calls.removal import OnlyItsOwner, StillAnalysing, StoreDown
    from ringback.calls.reviews import ReviewNotFound

    def own_hint(exc: Any) -> str | None:
        return str(exc.hint) or None

    return {
        ReviewNotFound: Hint(LIST_HINT, written=False),
        StillAnalysing: Hint(own_hint, written=False),
        OnlyItsOwner: Hint(own_hint, written=False),
        StoreDown: Hint(own_hint, written=False),
    }


@contextmanager
def _session() -> Iterator[tuple[Session, Settings]]:
    """One transaction as the acting user; the domain's errors become a message and a hint."""
    with work(_hints()) as found:
        yield found


@click.command(
    "list",
    epilog="""\b
Reviews are made by uploading a recording on the Calls page or to POST /api/v1/calls;
times are in your timezone (RINGBACK_TIMEZONE).

\b
Examples:
  ringback call list
  ringback call list --limit 200 --json
  ringback --as alice@example.com call list""",
)
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_command(limit: int, as_json: bool) -> None:
    """Your call reviews, newest first: id, when, with whom, the recording, its status."""
    from ringback.calls.reviews import list_reviews

    with _session() as (session, settings):
        found = list_reviews(session, owner_id=None, limit=limit)
    if as_json:
        print_json([review.as_json(settings.tz) for review in found])
        return
    _table(found, settings)


def _table(found: list[ReviewRow], settings: Settings) -> None:
    """Five narrow columns that fold rather than run off an 80-column terminal."""
    from datetime import datetime

    from rich.markup import escape
    from rich.table import Table

    from ringback.timefmt import format_when

    out = console()
    if not found:
        out.print("No call reviews yet: upload a recording on the Calls page.")
        return
    now = datetime.now(settings.tz)
    table = Table(title=f"{len(found)} call reviews", title_justify="left")
    table.add_column("#", justify="right", no_wrap=True)
    for name in ("when", "with", "recording", "status"):
        table.add_column(name, overflow="fold")
    for review in found:
        style = STATUS_STYLE.get(review.status, "")
        table.add_row(
            str(review.id),
            format_when(review.created_at, settings.tz, now=now),
            escape(review.contact_name or "—"),
            escape(review.original_name),
            f"[{style}]{review.status}[/]" if style else escape(review.status),
        )
    out.print(table)


@click.command(
    "delete",
    epilog="""\b
Examples:
  ringback call list                    # find the id
  ringback call delete 7                # says what goes, then asks
  ringback call delete 7 --yes --json

Its recording (unless another review has the same audio), transcript, reports,
comments and call.reviewed webhooks not sent yet go, here and in the object store.
The contact and what was added to it from the call stay. A review still being analysed
is refused; only its owner (or an owner of this Ringback) can delete it. Without a
terminal to ask on, pass --yes.""",
)
@click.argument("review_id", type=ROW_ID, metavar="ID")
@click.option("--yes", "-y", is_flag=True, help="Delete without asking (for scripts).")
@click.option(
    "--json", "as_json", is_flag=True, help="Print what was deleted as JSON (needs --yes)."
)
def delete_command(review_id: int, yes: bool, as_json: bool) -> None:
    """Delete a call review with its recording, transcript and reports."""
    from ringback.calls.removal import delete_review

    def preview() -> None:
        with _session() as (session, settings):
            plan = delete_review(session, review_id=review_id, settings=settings, dry_run=True)
        print_deletion(f"call review #{review_id}", plan.as_json())

    confirm_deletion(
        f"Delete call review #{review_id}?",
        yes=yes,
        scripted=as_json,
        retry=f"ringback call delete {review_id}",
        preview=preview,
    )
    with _session() as (session, settings):
        done = delete_review(session, review_id=review_id, settings=settings)
    if as_json:
        print_json(done.as_json())
    else:
        print_deletion(f"call review #{review_id}", done.as_json())


COMMANDS = (list_command, delete_command)
