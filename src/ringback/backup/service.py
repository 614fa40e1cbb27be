"""Backing up and restoring a Ringback installation while it runs.

:func:`backup` writes one ``.tar.gz`` (:mod:`ringback.backup.archive`): every table as
JSON lines read inside one snapshot (:mod:`ringback.backup.rows` says why this format),
then every recording, greeting and report in the store. The objects are listed *after*
the snapshot, and an original is always stored before its row is committed, so every
row in the backup finds its recording in it. :func:`restore` checks every checksum
before it writes anything, refuses a database that has data unless ``force``, loads all
rows in one transaction and puts the objects back under the same keys; paths in the rows
are moved to the new data folder or bucket.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ringback import __version__
from ringback.backup import archive, rows
from ringback.config import Settings
from ringback.db.migrate import current_revision, ensure_current, head_revision
from ringback.db.session import get_engine
from ringback.errors import HintedError
from ringback.storage import (
    STORED_FOLDERS,
    LocalStorage,
    ObjectMissing,
    Storage,
    storage_from_settings,
)

# What lives in the store: voicemail originals, greetings, call uploads and reviews.
PREFIXES = STORED_FOLDERS
# (what, name, size in bytes or rows): a table dumped or loaded, an object copied.
Progress = Callable[[str, str, int], None]


class NotEmpty(HintedError):
    """The database already holds data: restore would mix two installations."""


@dataclass(frozen=True)
class Summary:
    """What a backup holds (or a restore put back)."""

    path: str
    created_at: str
    schema_revision: str | None
    database: str
    tables: dict[str, int]
    objects: int
    spooled: int
    bytes: int
    store: str
    rows: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", sum(self.tables.values()))


def _prefix(store: Storage) -> str:
    return store.locate("x")[:-1]


def _silent(what: str, name: str, n: int) -> None:
    pass


def backup(settings: Settings, dest: Path, *, progress: Progress | None = None) -> Summary:
    """Write the backup to ``dest`` (atomically: a half-written file never has its name)."""
    say = progress or _silent
    url = settings.effective_database_url
    ensure_current(url)
    store, spool = storage_from_settings(settings), LocalStorage(settings.data_dir)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
    # Password hashes and session tokens are in it: only its owner may read it.
    tmp.touch(mode=0o600)
    try:
        with tarfile.open(tmp, "w:gz", compresslevel=6) as tar:
            writer = archive.Writer(tar)
            counts = _dump_tables(writer, url, say)
            objects, spooled = _copy_objects(writer, store, spool, say)
            manifest = {
                "format": archive.FORMAT,
                "version": archive.VERSION,
                "ringback_version": __version__,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "schema_revision": current_revision(url),
                "database": get_engine(url).dialect.name,
                "store": store.describe(),
                "store_prefix": _prefix(store),
                "spool_prefix": _prefix(spool),
                "tables": counts,
                "objects": objects,
                "spooled": spooled,
                "bytes": sum(e["size"] for e in writer.entries.values()),
            }
            writer.finish(manifest)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return _summary(dest, manifest)


def _dump_tables(writer: archive.Writer, url: str, say: Progress) -> dict[str, int]:
    counts: dict[str, int] = {}
    with tempfile.TemporaryFile() as scratch, rows.snapshot(url) as conn:
        for table in rows.tables():
            lines = rows.dump_lines(conn, table)
            counts[table.name] = writer.add_lines(f"db/{table.name}.jsonl", lines, scratch)
            say("table", table.name, counts[table.name])
    return counts


def _copy_objects(
    writer: archive.Writer, store: Storage, spool: LocalStorage, say: Progress
) -> tuple[int, int]:
    wanted = [("objects", store, key) for prefix in PREFIXES for key in store.list(prefix)]
    if store.remote:  # originals the pipeline has not copied up yet
        wanted += [("spool", spool, key) for key in spool.list("recordings/")]
    copied = {"objects": 0, "spool": 0}
    for kind, where, key in wanted:
        try:
            _add_object(writer, f"{kind}/{key}", where, key)
        except ObjectMissing:
            if kind != "spool" or f"objects/{key}" in writer.entries:
                continue
            # Archived (and removed from the spool) since it was listed: take the stored copy.
            kind, where = "objects", store
            _add_object(writer, f"objects/{key}", store, key)
        copied[kind] += 1
        say("object", key, writer.entries[f"{kind}/{key}"]["size"])
    return copied["objects"], copied["spool"]


def _add_object(writer: archive.Writer, name: str, where: Storage, key: str) -> None:
    size = where.size(key)
    with where.open(key) as body:
        writer.add_stream(name, body, size)


def _summary(path: Path, manifest: dict[str, Any]) -> Summary:
    return Summary(
        path=str(path),
        created_at=str(manifest.get("created_at", "")),
        schema_revision=manifest.get("schema_revision"),
        database=str(manifest.get("database", "")),
        tables=dict(manifest.get("tables", {})),
        objects=int(manifest.get("objects", 0)),
        spooled=int(manifest.get("spooled", 0)),
        bytes=int(manifest.get("bytes", 0)),
        store=str(manifest.get("store", "")),
    )


def inspect(source: Path) -> Summary:
    """What a backup holds, from its manifest (checksums not checked)."""
    return _summary(source, archive.read_manifest(Path(source)))


def restore(
    settings: Settings, source: Path, *, force: bool = False, progress: Progress | None = None
) -> Summary:
    """Put a backup back: checksums first, then every row in one transaction, then the
    objects. Raises :class:`~ringback.backup.archive.BadBackup` or :class:`NotEmpty`."""
    say = progress or _silent
    source = Path(source)
    manifest = archive.read_manifest(source)
    archive.verify(source, manifest)
    if manifest.get("schema_revision") != head_revision():
        raise HintedError(
            f"the backup's schema is revision {manifest.get('schema_revision')}, this "
            f"Ringback's is {head_revision()}",
            "restore it with the Ringback version that made it, then upgrade that one",
        )
    url = settings.effective_database_url
    ensure_current(url)
    store, spool = storage_from_settings(settings), LocalStorage(settings.data_dir)
    move = _mover(manifest, store, spool)
    with get_engine(url).begin() as conn:
        if not rows.is_empty(conn):
            if not force:
                raise NotEmpty(
                    "the database already holds data; restoring would mix two installations",
                    "restore into an empty database, or add --force to replace everything in it",
                )
            rows.clear(conn)
        with archive.open_backup(source) as tar:
            for member, handle in archive.members(tar):
                _restore_member(conn, member.name, handle, store, spool, move, say)
        rows.reset_sequences(conn)
    return _summary(source, manifest)


def _mover(
    manifest: dict[str, Any], store: Storage, spool: LocalStorage
) -> Callable[[str, str], str]:
    """Paths kept in rows (``original_path``…) moved from the old place to the new one."""
    moves = [
        (str(manifest.get("store_prefix", "")), _prefix(store)),
        (str(manifest.get("spool_prefix", "")), _prefix(spool)),
    ]

    def move(column: str, value: str) -> str:
        if column.endswith("_path"):
            for old, new in moves:
                if old and value.startswith(old):
                    return new + value[len(old) :]
        return value

    return move


def _restore_member(
    conn: Any,
    name: str,
    handle: Any,
    store: Storage,
    spool: LocalStorage,
    move: Callable[[str, str], str],
    say: Progress,
) -> None:
    kind, _, rest = name.partition("/")
    if kind == "db":
        table = {t.name: t for t in rows.tables()}.get(rest.removesuffix(".jsonl"))
        if table is None:
            raise archive.BadBackup(f"{name}: no such table in this version")
        count = rows.load_lines(conn, table, handle, move)
        say("table", table.name, count)
        return
    where: Storage = store if kind == "objects" else spool
    with tempfile.NamedTemporaryFile(prefix="ringback-restore-") as out:
        shutil.copyfileobj(handle, out, 1 << 20)
        out.flush()
        where.put_file(rest, Path(out.name))
        say("object", rest, out.tell())
