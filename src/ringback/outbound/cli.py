"""``ringback webhooks``: tell a CRM, in signed POSTs, when a voicemail is processed, a
call is reviewed or an attempt is returned; see what was delivered, retry, send a test."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from ringback.console import echo, fail, indented, print_json

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ringback.config import Settings
    from ringback.outbound.records import DeliveryView, EndpointView
    from ringback.outbound.sender import Sent

_JSON = click.option("--json", "as_json", is_flag=True, help="Print as JSON.")


@contextmanager
def hooks_work() -> Iterator[tuple[Session, Settings, int]]:
    """One transaction, the user whose webhooks these are, errors shown with a hint."""
    from ringback.command_kit import Hint, work
    from ringback.outbound.service import WebhookError, WebhookNotFound, acting_user_id

    hints = {
        WebhookNotFound: Hint(
            lambda exc: (
                "see them with: ringback webhooks "
                + ("deliveries" if "delivery" in str(exc) else "list")
            ),
            written=False,
        ),
        WebhookError: Hint(lambda exc: exc.hint or None),
    }
    with work(hints) as (session, settings):
        yield session, settings, acting_user_id(session)


@click.group(
    epilog="""\b
Examples:
  ringback webhooks add https://crm.example.com/hooks/ringback
  ringback webhooks add https://crm.example.com/hook --events call.reviewed --json
  ringback webhooks test 1
  ringback webhooks deliveries --failed"""
)
def webhooks() -> None:
    """Webhooks to your CRM: a signed POST when a voicemail is processed, a call is
    reviewed or an attempt is returned (sent by `ringback serve`, retried with backoff)."""


@webhooks.command(
    epilog="""\b
Examples:
  ringback webhooks add https://crm.example.com/hooks/ringback
  ringback webhooks add https://crm.example.com/hook --events voicemail.processed,call.reviewed
  ringback webhooks add https://crm.example.com/hook --json"""
)
@click.argument("url")
@click.option(
    "--events",
    default="",
    help="Comma-separated: voicemail.processed, call.reviewed, attempt.returned (default all).",
)
@_JSON
def add(url: str, events: str, as_json: bool) -> None:
    """Send events to URL; prints the signing secret, this once."""
    from ringback.outbound.sender import private_warning
    from ringback.outbound.service import add_endpoint

    with hooks_work() as (session, settings, user_id):
        added = add_endpoint(session, user_id=user_id, url=url, events=events.split(","))
    refused = None if settings.webhook_allow_private else private_warning(added.endpoint.url)
    warning = f"{refused}: until then every delivery to it fails" if refused else None
    if as_json:
        print_json({**added.endpoint.as_json(), "secret": added.secret, "warning": warning})
        return
    echo(f"Webhook {added.endpoint.id} added: {added.endpoint.url}")
    echo(f"Events: {', '.join(added.endpoint.events)}")
    echo("Signing secret, shown only now (keep it in your CRM's settings):")
    echo(f"  {added.secret}")
    echo("Check each request's Ringback-Signature with it (README: Webhooks to your CRM).")
    if warning:
        echo(f"Warning: {warning} (set it where `ringback serve` and the workers run).")


INDENT = " " * 6


def _last(endpoint: EndpointView, settings: Settings) -> str:
    """How the newest delivery went, then (on lines of its own) why it failed."""
    from ringback.timefmt import format_when

    if not endpoint.last_status:
        return "nothing sent yet"
    when = format_when(endpoint.last_at, settings.tz) if endpoint.last_at else ""
    error = (
        f":\n{indented(endpoint.last_error)}"
        if endpoint.last_status != "delivered" and endpoint.last_error
        else ""
    )
    return f"last {endpoint.last_status} {when}{error}"


@webhooks.command(
    "list", epilog="\b\nExamples:\n  ringback webhooks list\n  ringback webhooks list --json"
)
@_JSON
def list_(as_json: bool) -> None:
    """Your webhooks, with how the last delivery went (secrets masked)."""
    from ringback.outbound.service import list_endpoints
    from ringback.timefmt import plural

    with hooks_work() as (session, settings, user_id):
        found = list_endpoints(session, user_id=user_id)
    if as_json:
        print_json([e.as_json() for e in found])
        return
    if not found:
        echo("No webhooks yet. Add one: ringback webhooks add https://crm.example.com/hook")
        return
    echo(f"{plural(len(found), 'webhook')}:")
    for e in found:
        state = "" if e.active else " (paused)"
        echo(f"  {e.id}  {e.url}{state}  secret {e.secret_hint}")
        echo(indented(", ".join(e.events)))
        echo(f"{INDENT}{_last(e, settings)}")


@webhooks.command(
    epilog="\b\nExamples:\n  ringback webhooks remove 2\n  ringback webhooks remove 2 --json"
)
@click.argument("endpoint_id", type=int)
@_JSON
def remove(endpoint_id: int, as_json: bool) -> None:
    """Stop sending to a webhook, and forget its deliveries."""
    from ringback.outbound.service import remove_endpoint

    with hooks_work() as (session, _settings, user_id):
        gone = remove_endpoint(session, user_id=user_id, endpoint_id=endpoint_id)
    if as_json:
        print_json({**gone.as_json(), "removed": True})
        return
    echo(f"Webhook {gone.id} removed ({gone.url}).")


def _say(sent: Sent) -> None:
    if sent.status == "delivered":
        echo(f"Delivery {sent.delivery_id} ({sent.event}): delivered (HTTP {sent.http_status}).")
    else:
        echo(f"Delivery {sent.delivery_id} ({sent.event}): {sent.status}: {sent.error}")


@webhooks.command(
    epilog="\b\nExamples:\n  ringback webhooks test 1\n  ringback webhooks test 1 --json"
)
@click.argument("endpoint_id", type=int)
@_JSON
def test(endpoint_id: int, as_json: bool) -> None:
    """Send a signed `ping` to a webhook now and say how it went."""
    from ringback.outbound.sender import sender_for
    from ringback.outbound.service import enqueue_ping

    with hooks_work() as (session, settings, user_id):
        delivery_id = enqueue_ping(session, user_id=user_id, endpoint_id=endpoint_id)
    # One try now; a failed ping is retried with the others, like any delivery.
    sent = sender_for(settings).run_once(only=[delivery_id])
    if as_json:
        print_json(sent[0].as_json() if sent else {"id": delivery_id, "status": "pending"})
    elif sent:
        _say(sent[0])
    if not sent or sent[0].status != "delivered":
        fail(
            f"the test ping to webhook {endpoint_id} was not delivered",
            hint="check the URL and that the receiver answers 2xx; see "
            "ringback webhooks deliveries",
        )


def _delivery_line(d: DeliveryView, settings: Settings) -> str:
    from ringback.timefmt import format_when

    if d.status == "delivered" and d.delivered_at:
        state = f"delivered {format_when(d.delivered_at, settings.tz)}"
    elif d.status == "pending" and d.next_attempt_at:
        state = f"pending, next try {format_when(d.next_attempt_at, settings.tz)}"
    else:
        state = d.status
    error = f"\n{indented(d.last_error)}" if d.last_error and d.status != "delivered" else ""
    return f"  {d.id}  {d.event}  {state}\n{INDENT}to {d.url}{error}"


@webhooks.command(
    epilog="""\b
Examples:
  ringback webhooks deliveries
  ringback webhooks deliveries --failed
  ringback webhooks deliveries --json"""
)
@click.option("--failed", is_flag=True, help="Only deliveries that gave up.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 1000))
@_JSON
def deliveries(failed: bool, limit: int, as_json: bool) -> None:
    """What was sent to your webhooks, newest first: delivered, pending or failed (why)."""
    from ringback.outbound.service import list_deliveries

    with hooks_work() as (session, settings, user_id):
        found = list_deliveries(session, user_id=user_id, failed=failed, limit=limit)
    if as_json:
        print_json([d.as_json() for d in found])
        return
    if not found:
        echo("No failed deliveries." if failed else "Nothing sent yet.")
        return
    for d in found:
        echo(_delivery_line(d, settings))


@webhooks.command(epilog="\b\nExamples:\n  ringback webhooks retry 17")
@click.argument("delivery_id", type=int)
@_JSON
def retry(delivery_id: int, as_json: bool) -> None:
    """Send a failed (or waiting) delivery again at the next run, with fresh tries."""
    from ringback.outbound.service import retry_delivery

    with hooks_work() as (session, _settings, user_id):
        again = retry_delivery(session, user_id=user_id, delivery_id=delivery_id)
    if as_json:
        print_json(again.as_json())
        return
    echo(f"Delivery {again.id} ({again.event}) will be sent again at the next run.")
    echo("`ringback serve` sends it shortly, or now: ringback webhooks deliver --once")


@webhooks.command(
    epilog="""\b
Examples:
  ringback webhooks deliver --once
  ringback webhooks deliver          (keeps sending until Ctrl-C)"""
)
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@_JSON
def deliver(once: bool, as_json: bool) -> None:
    """Send the deliveries that are due (what `ringback serve` does in the background)."""
    from ringback.command_kit import load_settings, ready_database
    from ringback.outbound.sender import sender_for

    settings = load_settings()
    ready_database(settings)
    sender = sender_for(settings)
    pause = settings.webhook_sweep_seconds or 10.0
    while True:
        sent = sender.run_once()
        if as_json:
            print_json([s.as_json() for s in sent])
        else:
            for one in sent:
                _say(one)
        if once:
            if not sent and not as_json:
                echo("Nothing due.")
            return
        time.sleep(pause)
