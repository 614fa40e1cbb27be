"""``ringback questions classify``: label each line of a transcript open, closed or none."""

from __future__ import annotations

import sys
from collections import Counter
from typing import IO

import click

from ringback.console import console, dumps, fail

KIND_STYLE = {"open": "green", "closed": "yellow", "none": "dim"}


@click.group()
def questions() -> None:
    """Classify questions as open or closed."""


@questions.command()
@click.argument("file", type=click.File("r", encoding="utf-8", errors="replace"), default="-")
@click.option("--json", "as_json", is_flag=True, help='One JSON object per line: {"text", "kind"}.')
def classify(file: IO[str], as_json: bool) -> None:
    """Label each line of FILE (or stdin) as an open, closed or no question.

    Works with or without punctuation; blank lines are skipped.

    \b
    Examples:
      echo "what keeps you up at night" | ringback questions classify --json
      ringback questions classify call-notes.txt
    """
    from ringback.questions import classify as classify_text
    from ringback.questions import why

    if file is sys.stdin and sys.stdin.isatty():
        click.echo("Reading lines from stdin; end with Ctrl-D.", err=True)
    lines = [line.strip() for line in file]
    lines = [line for line in lines if line]
    if not lines:
        fail(
            "No text to classify: the input is empty.",
            hint='Pass a file with one utterance per line, or pipe text: echo "how is it going" | ringback questions classify',
        )
    labelled = [(line, classify_text(line)) for line in lines]
    if as_json:
        out = sys.stdout
        for text, kind in labelled:
            out.write(dumps({"text": text, "kind": kind}, indent=None) + "\n")
        return

    from rich.markup import escape
    from rich.table import Table

    table = Table(show_header=True, header_style="bold")
    table.add_column("#", justify="right", style="dim")
    table.add_column("kind")
    table.add_column("text", overflow="fold")
    table.add_column("why", style="dim", overflow="fold")
    for n, (text, kind) in enumerate(labelled, 1):
        table.add_row(str(n), f"[{KIND_STYLE[kind]}]{kind}[/]", escape(text), why(text))
    con = console()
    con.print(table)
    counts = Counter(kind for _, kind in labelled)
    con.print(
        f"{len(labelled)} lines: {counts['open']} open, {counts['closed']} closed, "
        f"{counts['none']} not questions"
    )
