"""``ringback learn``: which coach rules predict a return for you."""

from __future__ import annotations

import math

import click

from ringback.console import console, fail, print_json
from ringback.tracking.cli_common import tracking_work


@click.command(
    epilog="""\b
Examples:
  ringback learn
  ringback learn --json
  ringback learn --score "Hi Bill, this is Dana from Acme ..."

Only voicemails whose outcome is known count (returned, or older than the return
window). Personal weights apply from RINGBACK_PERSONAL_WEIGHTS_MIN such voicemails on."""
)
@click.option("--score", "script", help="Also score this script with your personal weights.")
@click.option("--json", "as_json", is_flag=True, help="Print the model as JSON.")
def learn(script: str | None, as_json: bool) -> None:
    """Which coach rules predict a return for your prospects, with uncertainty."""
    from ringback.db.base import utcnow
    from ringback.tracking.service import learn_from_outcomes

    try:
        with tracking_work() as (session, settings):
            learned = learn_from_outcomes(session, settings=settings, now=utcnow(), script=script)
    except ModuleNotFoundError as exc:  # numpy comes with the analytics extra
        fail(f"learning needs {exc.name}", hint="pip install 'ringback[analytics]'")
    fit, data = learned.fit, learned.data
    if as_json:
        print_json(data)
        return
    out = console()
    out.print(f"[bold]{data['status']}[/] ({fit.returned} of {fit.n} returned)")
    if fit.n:
        from rich.table import Table

        table = Table(title="What predicts a return for you", title_justify="left")
        for name in ("rule", "odds ×", "95 % interval", "followed", "verdict"):
            table.add_column(name, justify="left" if name in ("rule", "verdict") else "right")
        for e in fit.effects:
            table.add_row(
                e.rule,
                f"{e.odds_ratio:.2f}",
                f"{math.exp(e.low):.2f}–{math.exp(e.high):.2f}",
                str(e.followed),
                e.verdict,
            )
        out.print(table)
    if "script" in data:
        s = data["script"]
        out.print(f"Coach score {s['coach_score']}, with your weights {s['personal_score']}.")
