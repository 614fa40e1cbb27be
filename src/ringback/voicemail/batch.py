"""A batch of recordings through the inbox at once (``ringback inbox add A B C``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.console import console

if TYPE_CHECKING:
    from ringback.config import Settings


def add_batch(files: Sequence[Path], settings: Settings, *, workers: int) -> list[dict[str, Any]]:
    """Every file through the whole pipeline, ``workers`` at a time; one row per file, in
    the order given (a file that is already in the inbox comes back as it is)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ringback.voicemail.backlog import iter_backlog
    from ringback.voicemail.service import email_status, result_json

    rows: list[dict[str, Any]] = []
    err = console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task(f"Processing with {workers} worker(s)", total=len(files))
        for path, result in zip(files, iter_backlog(files, settings, workers=workers), strict=True):
            row = result_json(result)
            row["file"] = str(path)
            row["email_status"] = email_status(settings, result.email_key)
            rows.append(row)
            bar.advance(task)
    return rows
