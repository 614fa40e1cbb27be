"""The ``ringback`` command.

Subcommands are imported only when they run, so that ``ringback --help`` stays
fast: heavy libraries (SQLAlchemy, speech models) load with the command that
needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from ringback import __version__

# name -> ("module" holding the click command of that name, one-line help shown in
# `ringback --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "start": ("ringback.setup_cli", "Set up the embedded database and show what to do next."),
    "config": ("ringback.setup_cli", "Print the effective settings (secrets masked)."),
    "db": ("ringback.setup_cli", "Database migrations."),
    "contacts": ("ringback.contacts.cli", "Add, list, show, edit, merge and import contacts."),
    "prep": ("ringback.prep.cli", "The call-prep brief for a contact."),
    "coach": ("ringback.coach.cli", "Score, compose and check voicemails and openers."),
    "mail": ("ringback.mail.cli", "Email delivery: outbox status, retries, a test message."),
    "questions": ("ringback.questions.cli", "Classify questions as open or closed."),
    "speech": ("ringback.speech.cli", "Transcribe audio offline; find callback numbers."),
    "learn": (
        "ringback.tracking.cli_learn",
        "Which coach rules predict a return for you, with uncertainty.",
    ),
    "log": ("ringback.tracking.cli", "Log calls, voicemails and emails (are they returned?)."),
    "sequence": (
        "ringback.tracking.sequence_cli",
        "Follow up unreturned voicemails by email and call, on a cadence.",
    ),
    "stats": ("ringback.tracking.cli", "Return rates: by week, score, rule, variant, time."),
    "inbox": ("ringback.voicemail.cli", "Voicemail in: transcribed, emailed, captured."),
    "voicemail": (
        "ringback.voicemail.cli_voicemail",
        "Analyze a voicemail recording or transcript (no DB).",
    ),
    "worker": (
        "ringback.workers.cli",
        "Run a Celery worker: transcription, mail, call analysis (RINGBACK_QUEUE=celery).",
    ),
    "jobs": ("ringback.workers.cli", "Background jobs: waiting, running, failed; retry one."),
    "serve": ("ringback.web.cli", "Serve the web app, the Twilio webhooks and greetings."),
    "users": ("ringback.accounts.cli", "Who may sign in to the web app."),
    "tokens": ("ringback.accounts.cli", "Personal API tokens for scripts."),
    "lines": ("ringback.accounts.cli_team", "Your team's phone numbers and whose each one is."),
    "audit": ("ringback.accounts.cli_team", "Sign-ins, exports, role changes (owners only)."),
    "webhooks": (
        "ringback.outbound.cli",
        "Signed webhooks to your CRM: voicemail processed, call reviewed, attempt returned.",
    ),
    "greeting": (
        "ringback.telephony.cli",
        "Your voicemail greeting: checked (short, says your name), converted for the phone.",
    ),
    "telephony": (
        "ringback.telephony.cli",
        "Recordings from your phone line (Twilio): status, fetch again.",
    ),
    "call": ("ringback.calls.cli", "Review a recorded call: talk share, questions, listening."),
    "note": ("ringback.calls.notes", "Add a note (typed or a voice memo) to a contact."),
    "backup": (
        "ringback.backup.cli",
        "Back up the database and the recordings into one file, while Ringback runs.",
    ),
    "restore": ("ringback.backup.cli", "Restore a backup: checksums checked, then everything."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module = importlib.import_module(target[0])
        command = getattr(module, cmd_name)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from the table above: listing commands must not import them.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  ringback start
  ringback contacts add --name "Bill Turner" --company "ABC Inc" --phone 415-555-0137
  ringback prep "Bill Turner"
  ringback coach score "Hi Bill, this is Dana from Acme ..."
  echo "what keeps you up at night" | ringback questions classify --json

Settings come from RINGBACK_* environment variables or a .env file; see `ringback config`.""",
)
@click.version_option(__version__, prog_name="ringback")
@click.option(
    "--as",
    "acting_as",
    default=None,
    metavar="EMAIL",
    help="Act as this user (default: RINGBACK_USER, else the first owner).",
)
def cli(acting_as: str | None) -> None:
    """Ringback: your calls get returned, and every call moves the relationship forward."""
    from ringback.accounts.acting import bind_cli_actor
    from ringback.command_kit import act_as

    act_as(acting_as, bind_cli_actor)


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="ringback")
