"""``ringback backup FILE`` and ``ringback restore FILE`` (the work is in service.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import click

from ringback.command_kit import load_settings
from ringback.console import console, fail, print_json
from ringback.timefmt import plural


@contextmanager
def _bar(verb: str, total: int | None = None) -> Iterator[object]:
    """A rich progress bar on stderr (a terminal only), fed with the service's progress."""
    err = console(stderr=True)
    if not err.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=err
    ) as bar:
        task = bar.add_task(verb, total=total)

        def step(what: str, name: str, n: int) -> None:
            bar.update(task, description=f"{verb} {name}")
            if what == "object":
                bar.advance(task, n)

        yield step


def _words(summary: object, verb: str) -> str:
    data = asdict(summary)  # type: ignore[call-overload]
    return (
        f"{verb} {plural(data['rows'], 'row')} in {plural(len(data['tables']), 'table')}, "
        f"{plural(data['objects'] + data['spooled'], 'stored file')} "
        f"({data['bytes'] / 1e6:.1f} MB), database schema {data['schema_revision']}"
    )


@click.command(
    epilog="\b\nExamples:\n  ringback backup ringback-2026-12-06.tar.gz\n"
    "  ringback backup /backups/ringback.tar.gz --json"
)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was backed up as JSON.")
def backup(file: Path, as_json: bool) -> None:
    """Back up the database and every recording, greeting and report into FILE (.tar.gz).

    Safe while Ringback runs: the database is read in one consistent snapshot."""
    from ringback.backup.service import backup as run

    settings = load_settings()
    try:
        with _bar("Backing up") as step:
            summary = run(settings, file, progress=step)  # type: ignore[arg-type]
    except OSError as exc:
        fail(f"cannot write {file}: {exc.strerror or exc}", hint="choose a folder you can write to")
    if as_json:
        print_json(asdict(summary))
        return
    console().print(f"{_words(summary, 'Backed up')} to {summary.path}.", soft_wrap=True)


@click.command(
    epilog="\b\nExamples:\n  ringback restore ringback-2026-12-06.tar.gz\n"
    "  ringback restore backup.tar.gz --force --json"
)
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace everything in a database that has data.")
@click.option("--json", "as_json", is_flag=True, help="Print what was restored as JSON.")
def restore(file: Path, force: bool, as_json: bool) -> None:
    """Restore a backup made by `ringback backup`: checksums checked first, the database
    (SQLite or PostgreSQL, whichever the backup came from) and the stored files."""
    from ringback.backup.archive import BadBackup
    from ringback.backup.service import NotEmpty, inspect
    from ringback.backup.service import restore as run
    from ringback.errors import HintedError

    settings = load_settings()
    try:
        total = inspect(file).bytes
        with _bar("Restoring", total) as step:
            summary = run(settings, file, force=force, progress=step)  # type: ignore[arg-type]
    except BadBackup as exc:
        fail(str(exc), hint="take the backup again, or use another copy of it")
    except (NotEmpty, HintedError) as exc:
        fail(str(exc), hint=exc.hint)
    if as_json:
        print_json(asdict(summary))
        return
    console().print(f"{_words(summary, 'Restored')} from {summary.path}.", soft_wrap=True)
