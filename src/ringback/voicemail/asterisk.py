"""Reading Asterisk's voicemail spool (app_voicemail, file storage).

Layout: ``<spool>/<context>/<mailbox>/<folder>/msgNNNN.txt`` — an INI-like
envelope with a ``[message]`` section — next to the audio in one or more
formats (``msgNNNN.wav`` PCM, ``msgNNNN.WAV`` WAV49/GSM, ``msgNNNN.gsm``).

The idempotency key deliberately avoids the file name: app_voicemail renames
messages (it resequences msg0003 to msg0002 when an earlier one is deleted, and
moves them from INBOX to Old once heard), so a key built on the path would
import the same message again after such a rename. ``msg_id`` (Asterisk 11+) is
stable; for older envelopes without it, origtime + caller + duration in the same
mailbox identify the message just as well.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("ringback.voicemail.asterisk")

# Preference order when a message was recorded in several formats.
AUDIO_SUFFIXES = (".wav", ".WAV", ".gsm")
FOLDERS = ("INBOX", "Old", "Work", "Family", "Friends", "Urgent")
# Where app_voicemail keeps its file storage on a stock install.
DEFAULT_SPOOL = Path("/var/spool/asterisk/voicemail")
_MSG = re.compile(r"^msg(\d{4})\.txt$")
_CALLERID = re.compile(r'^\s*(?:"(?P<qname>[^"]*)"|(?P<name>[^<]*?))\s*<(?P<number>[^>]*)>\s*$')


@dataclass(frozen=True)
class AsteriskMessage:
    envelope_path: Path
    audio_path: Path | None
    context: str  # the voicemail context (directory), not the dialplan context
    mailbox: str
    folder: str
    msgnum: str  # "msg0000"
    msg_id: str | None
    caller_name: str | None
    caller_number: str | None
    received_at: datetime
    origtime: int | None
    duration: int | None
    flag: str | None
    category: str | None
    fields: tuple[tuple[str, str], ...]  # every field as written, for the record

    @property
    def field_map(self) -> dict[str, str]:
        return dict(self.fields)

    @property
    def source_key(self) -> str:
        where = f"{self.context}/{self.mailbox}"
        if self.msg_id:
            return f"asterisk:{where}:{self.msg_id}"
        stamp = self.origtime if self.origtime is not None else self.received_at.isoformat()
        return f"asterisk:{where}:{stamp}:{self.caller_number or ''}:{self.duration or 0}"

    @property
    def urgent(self) -> bool:
        return (self.flag or "").lower() == "urgent" or self.folder == "Urgent"

    def meta(self) -> dict[str, Any]:
        return {
            "asterisk": {
                "context": self.context,
                "mailbox": self.mailbox,
                "folder": self.folder,
                "msgnum": self.msgnum,
                "envelope": str(self.envelope_path),
                "fields": self.field_map,
            }
        }


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    # Envelopes are ASCII in theory; caller names arrive in whatever the trunk sent.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def parse_envelope(text: str) -> dict[str, str]:
    """The ``[message]`` section as a dict (keys lower-cased; last value wins).

    Lenient on purpose: comments (; and #), blank lines, missing section
    header, stray lines without '=' and NUL bytes are all tolerated.
    """
    fields: dict[str, str] = {}
    section: str | None = None
    for raw in text.replace("\x00", "").splitlines():
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
            continue
        if "=" not in line or (section not in (None, "message")):
            continue
        key, _, value = line.partition("=")
        # "callerid => x" is valid Asterisk config syntax too.
        key = key.strip().rstrip(">").strip().lower()
        value = value.lstrip(">").strip()
        if key:
            fields[key] = value
    return fields


def parse_callerid(value: str | None) -> tuple[str | None, str | None]:
    """``"Sarah Chen" <4155550137>`` → (name, number); tolerant of every shape seen in spools."""
    if not value:
        return None, None
    value = value.strip()
    match = _CALLERID.match(value)
    if match:
        name = match.group("qname") if match.group("qname") is not None else match.group("name")
        number = match.group("number").strip()
    elif re.fullmatch(r"[+\d*#\s().-]+", value):
        name, number = None, value
    else:
        name, number = value.strip('"'), None
    name = name.strip() if name else None
    if name and name.lower() in ("unknown", "anonymous", "unavailable"):
        name = None
    if number:
        number = re.sub(r"[\s().-]", "", number)
    return name or None, number or None


def _parse_origdate(value: str) -> datetime | None:
    # Asterisk writes e.g. "Mon Nov 23 10:12:01 AM UTC 2026"; the zone token is not portable.
    parts = value.split()
    if len(parts) == 7:
        zone = parts.pop(5)
        try:
            naive = datetime.strptime(" ".join(parts), "%a %b %d %I:%M:%S %p %Y")
        except ValueError:
            return None
        if zone.upper() not in ("UTC", "GMT", "Z"):
            log.debug("origdate zone %s unknown; reading it as UTC", zone)
        return naive.replace(tzinfo=UTC)
    return None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def _location(envelope: Path, fields: Mapping[str, str]) -> tuple[str, str, str]:
    folder_dir = envelope.parent
    if folder_dir.name in FOLDERS or folder_dir.name.startswith("Cust"):
        mailbox_dir = folder_dir.parent
        return mailbox_dir.parent.name or "default", mailbox_dir.name, folder_dir.name
    # Not a standard spool layout: trust what the envelope says.
    return "default", fields.get("origmailbox") or folder_dir.name, folder_dir.name


def read_message(envelope: Path) -> AsteriskMessage | None:
    """One message from its envelope; None when the file is not an envelope at all."""
    match = _MSG.match(envelope.name)
    stem = envelope.name[:-4]
    try:
        fields = parse_envelope(_read_text(envelope))
    except OSError as exc:
        log.warning("cannot read %s: %s", envelope, exc)
        return None
    if not fields:
        log.warning("%s has no [message] fields; skipped", envelope)
        return None
    # Exact names from the listing: on a case-insensitive disk .WAV would "exist" for .wav.
    present = set(os.listdir(envelope.parent))
    audio = next(
        (envelope.with_name(stem + s) for s in AUDIO_SUFFIXES if stem + s in present), None
    )
    origtime = _int(fields.get("origtime"))
    if origtime is not None and origtime > 0:
        received_at = datetime.fromtimestamp(origtime, UTC)
    else:
        origtime = None
        parsed = _parse_origdate(fields.get("origdate", ""))
        received_at = parsed or datetime.fromtimestamp(envelope.stat().st_mtime, UTC)
    name, number = parse_callerid(fields.get("callerid"))
    context, mailbox, folder = _location(envelope, fields)
    return AsteriskMessage(
        envelope_path=envelope,
        audio_path=audio,
        context=context,
        mailbox=mailbox,
        folder=folder,
        msgnum=f"msg{match.group(1)}" if match else stem,
        msg_id=fields.get("msg_id") or None,
        caller_name=name,
        caller_number=number,
        received_at=received_at,
        origtime=origtime,
        duration=_int(fields.get("duration")),
        flag=fields.get("flag") or None,
        category=fields.get("category") or None,
        fields=tuple(sorted(fields.items())),
    )


def _folder_dirs(root: Path, folders: Sequence[str]) -> Iterator[Path]:
    if root.name in folders or any(_MSG.match(p.name) for p in root.iterdir()):
        yield root
        return
    # spool/ → context/ → mailbox/ → folder/: never deeper than three levels.
    for dirpath, dirnames, _ in os.walk(root):
        depth = len(Path(dirpath).relative_to(root).parts)
        dirnames.sort()
        if depth >= 3:
            dirnames[:] = []
        for name in list(dirnames):
            if name in folders:
                yield Path(dirpath) / name
                dirnames.remove(name)


def scan_spool(
    directory: Path, *, folders: Sequence[str] = ("INBOX",)
) -> Iterator[AsteriskMessage]:
    """Every message under a spool root, a context, a mailbox, or a folder directory itself."""
    root = Path(directory)
    if not root.is_dir():
        raise NotADirectoryError(f"not a directory: {root}")
    for folder in _folder_dirs(root, folders):
        for envelope in sorted(p for p in folder.iterdir() if _MSG.match(p.name)):
            message = read_message(envelope)
            if message is not None:
                yield message


def mailbox_dir(context: str, mailbox: str, spool: Path = DEFAULT_SPOOL) -> Path:
    """The directory for Asterisk's ``externnotify`` arguments (context, mailbox, ...)."""
    for part in (context, mailbox):
        # The hook's arguments come from the dialplan; never let them walk out of the spool.
        if not part or "/" in part or part in (".", ".."):
            raise ValueError(f"not a voicemail context or mailbox name: {part!r}")
    return Path(spool) / context / mailbox


def import_spool(
    directory: Path,
    *,
    url: str,
    data_dir: Path,
    folders: Sequence[str] = ("INBOX",),
    **ingest_kwargs: Any,
) -> list[Any]:
    """Ingest every message of a spool (re-running imports nothing twice); returns results.

    ``ingest_kwargs`` go to :func:`ringback.voicemail.pipeline.ingest` (stages, retry...).
    Usable from Asterisk's ``externnotify`` hook with the mailbox directory.
    """
    from ringback.voicemail.pipeline import ingest

    results = []
    for message in scan_spool(directory, folders=folders):
        if message.audio_path is None:
            log.warning(
                "%s has no audio next to it (wav, WAV, gsm); skipped", message.envelope_path
            )
            continue
        results.append(
            ingest(
                message.audio_path,
                source="asterisk",
                source_key=message.source_key,
                source_meta=message.meta(),
                from_number=message.caller_number,
                caller_name=message.caller_name,
                to_number=message.mailbox,
                received_at=message.received_at,
                filename=message.audio_path.name,
                url=url,
                data_dir=data_dir,
                **ingest_kwargs,
            )
        )
    return results
