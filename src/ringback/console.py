"""Terminal output shared by every command: rich tables, JSON, and errors that say what to do."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderableType
    from rich.segment import Segment
    from rich.text import Text

# What a terminal acts on instead of showing: C0 controls (ESC starts the sequences that set
# the window title or clear the screen; CR overwrites a line), DEL, the C1 controls (U+009B
# is a one-character CSI to many terminals) and the bidi embeddings/overrides/isolates that
# make text read in another order than it is stored. Tab and newline stay: notes and
# transcripts are multi-line.
_UNSAFE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_UNSAFE_RE = re.compile(_UNSAFE)
# Shown in place of each one: visible (so "Bill�]0;pwned� Turner" is clearly not a clean
# name) and one character for one, so rich's layout and markup spans stay where they were.
CONTROL_MARK = "\ufffd"
_JSON_UNSAFE_RE = re.compile("[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class UserError(click.ClickException):
    """An error the user can fix; printed as 'Error: ...' plus a hint, exit code 1 or as given."""

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance

    def format_message(self) -> str:
        text = f"{self.message}\n  → {self.hint}" if self.hint else self.message
        return safe_text(text)


def safe_text(text: str) -> str:
    """``text`` with every control character a terminal would act on shown as
    :data:`CONTROL_MARK`; tab and newline are kept."""
    if _UNSAFE_RE.search(text) is None:
        return text
    return _UNSAFE_RE.sub(CONTROL_MARK, text.replace("\r\n", "\n"))


def echo(text: str, *, err: bool = False) -> None:
    """``click.echo`` for text that holds something the user did not type (a caller's name,
    a transcript): control characters are shown, never acted on."""
    click.echo(safe_text(text), err=err)


WIDTH = 80  # the columns a command's lines are kept to


def indented(text: str, indent: int = 6) -> str:
    """``text`` (a reason, an error) as lines indented by ``indent`` spaces and at most
    :data:`WIDTH` columns; a word longer than that (a URL) is kept whole."""
    import textwrap

    pad = " " * indent
    return textwrap.fill(
        text,
        WIDTH,
        initial_indent=pad,
        subsequent_indent=pad,
        break_long_words=False,
        break_on_hyphens=False,
    )


def fail(message: str, *, hint: str | None = None, exit_code: int = 1) -> NoReturn:
    raise UserError(message, hint=hint, exit_code=exit_code)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """JSON as text. json escapes C0 controls itself; DEL, C1 and the bidi controls are
    escaped as \\uXXXX too, so a terminal never acts on them and a parser reads them back
    unchanged (they can only occur inside strings)."""
    text = json.dumps(data, default=_default, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def print_json(data: Any, *, indent: int | None = 2) -> None:
    sys.stdout.write(dumps(data, indent=indent) + "\n")


def print_deletion(what: str, data: Any, notes: Iterable[str] = ()) -> None:
    """What a deletion removes and keeps, from a deleting service's JSON (``deleted``
    False: what it would): its ``says`` (gone, kept) in words, then ``notes``."""
    from rich.markup import escape

    out = console()
    head = "Deleted" if data["deleted"] else "Deleting"
    out.print(escape(f"{head} {what}: {', '.join(data['says']['gone'])}."))
    if data.get("recording_missing"):
        out.print("  The recording was already gone from storage.")
    for line in [*notes, *(f"Kept: {item}." for item in data["says"]["kept"])]:
        out.print("  " + escape(line))


def console(stderr: bool = False) -> Console:
    """The rich console every command prints with; control characters in any text it is
    given are shown as :data:`CONTROL_MARK`, never sent to the terminal as such."""
    return _safe_console_class()(stderr=stderr, highlight=False, soft_wrap=False)


def _safe_console_class() -> type[Console]:
    # Built on first use: importing rich costs start-up time that --help should not pay.
    global _SafeConsole
    if _SafeConsole is None:
        from rich.console import Console
        from rich.segment import Segment

        class SafeConsole(Console):
            def render_str(self, text: str, **kwargs: Any) -> Text:
                # Before layout, so a table measures the text that will be shown.
                return super().render_str(safe_text(text), **kwargs)

            def render(
                self, renderable: RenderableType, options: ConsoleOptions | None = None
            ) -> Iterable[Segment]:
                # The net under Text objects built directly: rich's own control segments
                # (cursor moves of a progress bar) pass; text never carries controls.
                for segment in super().render(renderable, options):
                    if segment.control or _UNSAFE_RE.search(segment.text) is None:
                        yield segment
                    else:
                        yield Segment(safe_text(segment.text), segment.style)

        _SafeConsole = SafeConsole
    return _SafeConsole


_SafeConsole: type[Console] | None = None


def interactive() -> bool:
    """Both stdout and stderr are a terminal: the one case for live progress (a pipe, a
    file or ``--json`` reader gets none)."""
    return console().is_terminal and console(stderr=True).is_terminal


class StageBar:
    """A progress bar on stderr for a long job in stages: the label names the running
    stage, the bar advances through the part that can be measured (a transcription)."""

    def __init__(self, progress: Any, task: Any) -> None:
        self._progress = progress
        self._task = task

    def stage(self, label: str) -> None:
        self._progress.update(self._task, description=label)
        self._progress.refresh()

    def advance(self, fraction: float) -> None:
        self._progress.update(self._task, completed=max(0.0, min(1.0, fraction)))
        self._progress.refresh()


@contextmanager
def stage_bar(first: str, *, enabled: bool = True) -> Iterator[StageBar | None]:
    """A :class:`StageBar` while the block runs, when ``enabled`` and :func:`interactive`;
    else None (no escape codes for pipes, tests and ``--json``). Redrawn on each update
    rather than on a timer, and cleared when the block ends."""
    if not (enabled and interactive()):
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn

    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        console=console(stderr=True),
        transient=True,
        auto_refresh=False,
    )
    with progress:
        yield StageBar(progress, progress.add_task(first, total=1.0))
