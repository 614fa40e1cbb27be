"""The backup file: a gzip'd tar with ``db/<table>.jsonl``, ``objects/<key>`` (the store),
``spool/<key>`` (originals not yet in a remote store) and ``manifest.json`` last, which
lists every member with its size and SHA-256."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "ringback-backup"
VERSION = 1
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


class BadBackup(ValueError):
    """Not a Ringback backup, or damaged: nothing was restored."""


class _Hashing(io.RawIOBase):
    """Reads through ``source`` while hashing and counting what passed."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.sha = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.source.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.sha.update(data)
        self.size += n
        return n


@dataclass
class Writer:
    """Adds members to the archive, remembering what the manifest must say."""

    tar: tarfile.TarFile
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_stream(self, name: str, stream: IO[bytes], size: int) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, int(time.time()), 0o600
        hashing = _Hashing(stream)
        self.tar.addfile(info, io.BufferedReader(hashing, _CHUNK))
        if hashing.size != size:
            raise OSError(f"{name}: {hashing.size} bytes read, {size} expected (changed?)")
        self.entries[name] = {"size": size, "sha256": hashing.sha.hexdigest()}

    def add_lines(self, name: str, lines: Iterable[bytes], spool: IO[bytes]) -> int:
        """Lines spooled to a temp file first (a tar member needs its size up front)."""
        spool.seek(0)
        spool.truncate()
        count = 0
        for line in lines:
            spool.write(line)
            count += 1
        size = spool.tell()
        spool.seek(0)
        self.add_stream(name, spool, size)
        return count

    def finish(self, manifest: dict[str, Any]) -> None:
        body = json.dumps({**manifest, "files": self.entries}, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(body), int(time.time()), 0o600
        self.tar.addfile(info, io.BytesIO(body))


def open_backup(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BadBackup(f"{path} is not a Ringback backup (a .tar.gz): {exc}") from None


def read_manifest(path: Path) -> dict[str, Any]:
    with open_backup(path) as tar:
        try:
            member = tar.getmember(MANIFEST)
        except (KeyError, tarfile.TarError, OSError, EOFError):
            raise BadBackup(
                f"{path} has no manifest: not a Ringback backup, or cut short"
            ) from None
        handle = tar.extractfile(member)
        assert handle is not None
        manifest: dict[str, Any] = json.loads(handle.read())
    if manifest.get("format") != FORMAT:
        raise BadBackup(f"{path} is not a Ringback backup (format {manifest.get('format')!r})")
    if int(manifest.get("version", 0)) > VERSION:
        raise BadBackup(
            f"{path} is a version {manifest['version']} backup; this Ringback reads up to "
            f"{VERSION}: upgrade Ringback first"
        )
    return manifest


def members(tar: tarfile.TarFile) -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
    """The archive's files in order (the manifest excepted)."""
    for member in tar:
        if member.name == MANIFEST or not member.isfile():
            continue
        handle = tar.extractfile(member)
        if handle is None:
            continue
        yield member, handle


def verify(path: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there with its size and SHA-256, nothing else."""
    expected: dict[str, dict[str, Any]] = manifest.get("files", {})
    seen: set[str] = set()
    with open_backup(path) as tar:
        try:
            for member, handle in members(tar):
                want = expected.get(member.name)
                if want is None:
                    raise BadBackup(f"{member.name} is in the archive but not in its manifest")
                sha = hashlib.sha256()
                while chunk := handle.read(_CHUNK):
                    sha.update(chunk)
                if sha.hexdigest() != want["sha256"]:
                    raise BadBackup(
                        f"{member.name} is damaged (checksum differs): nothing restored"
                    )
                seen.add(member.name)
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            if isinstance(exc, BadBackup):
                raise
            raise BadBackup(f"{path} is damaged or cut short ({exc}): nothing restored") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BadBackup(f"{len(missing)} file(s) listed are missing, e.g. {missing[0]}")
