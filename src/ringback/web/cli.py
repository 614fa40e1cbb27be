"""``ringback serve``: the web app (pages, Twilio webhooks, greetings) under uvicorn."""

from __future__ import annotations

import click

from ringback.console import fail
from ringback.web.address import DEFAULT_HOST, DEFAULT_PORT


@click.command(
    epilog="""\b
Examples:
  ringback serve --host 127.0.0.1 --port 8000
  RINGBACK_PUBLIC_URL=https://rb.example.com ringback serve --host 0.0.0.0 --port 8080

\b
Point your Twilio number's "A call comes in" webhook (HTTP POST) at
  <RINGBACK_PUBLIC_URL>/telephony/twilio/voice
Needs RINGBACK_TWILIO_ACCOUNT_SID and RINGBACK_TWILIO_AUTH_TOKEN; without the token
every webhook is refused (403)."""
)
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Log every request (off: a line per request costs throughput).",
)
def serve(host: str, port: int, log_level: str, access_log: bool) -> None:
    """Serve the web app, Twilio's webhooks and your greetings; recordings are processed in
    the background. Sign in with an account from `ringback users add`."""
    import logging

    import uvicorn

    from ringback.command_kit import load_settings, ready_database
    from ringback.web import create_app
    from ringback.web.server import settle_heap, uvicorn_config

    settings = load_settings()
    ready_database(settings)
    logging.basicConfig(
        level=getattr(logging, log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        app = create_app(settings, prepare_database=False)
    except Exception as exc:  # a broken setting should read as one line, not a traceback
        fail(f"cannot start the web app: {exc}")
    settle_heap()
    config = uvicorn_config(
        app, settings, host=host, port=port, log_level=log_level, access_log=access_log
    )
    server = uvicorn.Server(config)
    server.run()
    if not server.started:  # e.g. the port is taken: uvicorn has logged why
        fail(f"the web server did not start on {host}:{port}")
