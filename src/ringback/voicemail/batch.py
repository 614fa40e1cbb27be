"""A batch of recordings through the inbox at once (``ringback inbox add A B C``).

Every file is stored first, then processed: a worker that dies or a database that goes
away mid-run costs no recording, and the report says where each file stands.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ringback.console import console

if TYPE_CHECKING:
    from ringback.config import Settings
    from ringback.voicemail.backlog import Stored

# Where a message is when the batch ends, if not finished (shown in the report).
UNFINISHED = "not finished; `ringback inbox resume` continues it"


class BatchInterrupted(Exception):
    """The database stopped answering; what was stored before stays stored."""


def add_batch(files: Sequence[Path], settings: Settings, *, workers: int) -> list[dict[str, Any]]:
    """Store every file, then process them ``workers`` at a time; one row per file, in the
    order given (a file that is already in the inbox comes back as it is).

    Raises :class:`BatchInterrupted` (one line saying what is kept) if the database goes."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ringback.config import mask_url
    from ringback.voicemail.backlog import (
        DatabaseUnavailable,
        database_errors,
        iter_store,
        pending_ids,
        process_stored,
    )

    url = settings.effective_database_url
    # The report is the batch's voice: a stage's error is in the row of its file (and in
    # `inbox show`), not a traceback on the terminal.
    logger = logging.getLogger("ringback")
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    err = console(stderr=True)
    stored: list[Stored] = []
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=True,
    ) as bar:
        task = bar.add_task("Storing", total=len(files))
        try:
            for one in iter_store(files, settings, url=url):
                stored.append(one)
                bar.advance(task)
            todo = pending_ids(stored)
            bar.reset(task, description=f"Processing with {workers} worker(s)", total=len(todo))
            done = process_stored(
                todo,
                settings,
                workers=workers,
                url=url,
                on_result=lambda _: bar.advance(task),
                on_pool_lost=lambda n: err.print(
                    f"a worker process died; {n} message(s) go to a fresh worker", markup=False
                ),
            )
            with database_errors():
                return [_row(s, done, settings, url) for s in stored]
        except DatabaseUnavailable as exc:
            kept = sum(1 for s in stored if s.result is not None)
            raise BatchInterrupted(
                f"lost the database {mask_url(url)} mid-batch ({exc}); {kept} of {len(files)}"
                " recordings are stored and wait for `ringback inbox resume`"
            ) from None


def _row(stored: Stored, done: dict[int, Any], settings: Settings, url: str) -> dict[str, Any]:
    from ringback.voicemail.backlog import final_result
    from ringback.voicemail.models import FINAL_STATUSES
    from ringback.voicemail.service import email_status, result_json

    if stored.result is None:
        return {
            "id": None,
            "file": str(stored.path),
            "status": "failed",
            "status_reason": stored.error,
            "created": False,
            "original_path": None,
        }
    result = final_result(stored, done, url)
    row = result_json(result)
    row["file"] = str(stored.path)
    row["email_status"] = email_status(settings, result.email_key)
    if result.status not in FINAL_STATUSES:
        row["status_reason"] = UNFINISHED
    return row
