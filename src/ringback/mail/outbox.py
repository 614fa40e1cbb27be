"""A durable spool so that mail is retried until delivered and never dropped.

Layout under ``<data_dir>/outbox/``::

    <name>.eml        the message, byte for byte as it will be sent (the source of truth;
                      its X-Ringback-Idempotency-Key header names the key)
    <name>.json       bookkeeping once an attempt failed: attempts, next attempt, errors
    failed/           messages that gave up (permanent refusal or too many attempts),
                      still kept; ``requeue_failed`` puts them back
    sent/<name>.json  one marker per delivered idempotency key
    tmp/              files being written; renamed into place once fsynced
    locks/<name>.lock one message's lock, there only while held (see ``ringback.mail.locks``)

``<name>`` is a readable slug of the idempotency key plus a digest of it, so one key
maps to one file name: a second submit with the same key finds the first (queued,
failed or sent) and adds nothing. That, plus the marker being written before the
queued copy is removed, is what keeps a process killed mid-pipeline from sending the
same voicemail twice. The one window left is SMTP's own: if the connection drops after
the server queued the message but before it said so, we resend; the stable Message-ID
lets mail clients fold the two.

Each message has its own lock (no outbox-wide one; no path holds two): a send holds it
through the SMTP exchange, so a cancel of that message waits and then finds it sent or
drops it unsent, while queueing, cancelling or sending any other message goes ahead.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from ringback.durable import fsync_dir, write_atomic
from ringback.mail.locks import message_lock, sweep_locks
from ringback.mail.protocol import (
    HEADER_END,
    MailDeliveryError,
    Mailer,
    envelope,
    key_digest,
    message_bytes,
    message_id_for,
    parse_headers,
    sender_domain,
)
from ringback.mail.results import DeliveryResult, DeliveryStatus, FlushReport, OutboxEntry

log = logging.getLogger("ringback.mail.outbox")

KEY_HEADER = "X-Ringback-Idempotency-Key"
_MAX_ERRORS_KEPT = 5
NEVER_TRIED = datetime.min.replace(tzinfo=UTC)  # the due time of mail never attempted
_Attempt = tuple[DeliveryResult, MailDeliveryError | None]  # and why it failed, if it did


def entry_name(key: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", key).strip("_")[:60] or "mail"
    return f"{slug}.{key_digest(key)[:16]}"


class Outbox:
    def __init__(
        self,
        root: Path,
        mailer: Mailer,
        *,
        max_attempts: int = 12,
        base_delay: float = 30.0,
        max_delay: float = 3600.0,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.root = Path(root)
        self.mailer = mailer
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._clock = clock or (lambda: datetime.now(UTC))
        for sub in ("", "tmp", "failed", "sent", "locks"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # ---- public API -------------------------------------------------------------------

    def deliver(self, key: str, message: EmailMessage) -> DeliveryResult:
        """Spool the message durably, then try to send it once right away."""
        return self.attempt_if_due(self.submit(key, message))

    def attempt_if_due(self, result: DeliveryResult) -> DeliveryResult:
        """Try a queued message now unless it is backing off from a failure."""
        if result.status is not DeliveryStatus.QUEUED:
            return result
        if result.next_attempt_at and result.next_attempt_at > self._clock():
            return result  # don't hammer a server that just failed
        attempted = self._attempt(entry_name(result.key), wait=True)
        return result if attempted is None else attempted[0]  # None only without wait

    def status(self, key: str) -> DeliveryResult | None:
        """What the outbox knows about a key: sent, queued, failed, or None (never seen)."""
        name = entry_name(key)
        # Unlocked first: asking about a message being sent must not wait for its server.
        # Only a miss (maybe a message between two folders) is read again under the lock.
        known = self._peek(name)
        if known is not None:
            return known
        with self._locked(name):
            return self._existing(name)

    def submit(self, key: str, message: EmailMessage) -> DeliveryResult:
        """Write the message to the outbox (fsynced) unless this key is known already."""
        if not key or "\n" in key or "\r" in key or key != key.strip():
            raise ValueError(f"invalid idempotency key {key!r}")
        name = entry_name(key)
        known = self._peek(name)  # a message being sent is known: no need to wait for it
        if known is not None:
            return known
        with self._locked(name):
            existing = self._existing(name)
            if existing is not None:
                return existing
            if message.get("Message-ID") is None:
                message["Message-ID"] = message_id_for(key, sender_domain(message))
            del message[KEY_HEADER]
            message[KEY_HEADER] = key  # also lets the receiving side trace a duplicate
            # One file, so there is no half-written state: the JSON sidecar only appears
            # after a failed attempt (until then: 0 attempts, due now, created = mtime).
            now = self._clock()
            message_id = str(message["Message-ID"])
            self._write_atomic(self.root / f"{name}.eml", message_bytes(message))
        log.info("queued %s (%s)", key, message_id)
        return DeliveryResult(DeliveryStatus.QUEUED, key, message_id, next_attempt_at=now)

    def flush(self, *, force: bool = False) -> FlushReport:
        """Try every queued message that is due (all of them with ``force``)."""
        counts = dict.fromkeys(FlushReport.__dataclass_fields__, 0)
        unreachable = False
        for entry in self.entries():
            if unreachable:
                counts["deferred"] += 1
                continue
            if not force and entry.next_attempt_at > self._clock():
                counts["not_due"] += 1
                continue
            try:
                attempted = self._attempt(entry.name, wait=False)
            except FileNotFoundError:
                continue  # cancelled since the listing
            if attempted is None:  # being sent by another flush right now
                counts["deferred"] += 1
                continue
            result, error = attempted
            if result.status is DeliveryStatus.SENT:
                counts["sent"] += 1
            elif result.status is DeliveryStatus.ALREADY_SENT:
                counts["already_sent"] += 1
            elif result.status is DeliveryStatus.FAILED:
                counts["failed"] += 1
            else:
                counts["retry_later"] += 1
                # Nobody home: trying the rest now would only wait out more timeouts.
                unreachable = bool(error and error.unreachable)
        sweep_locks(self.root / "locks")
        return FlushReport(**counts)

    def entries(self, *, failed: bool = False) -> list[OutboxEntry]:
        """Queued (or parked) messages, oldest first."""
        folder = self.root / "failed" if failed else self.root
        out = []
        for path in folder.glob("*.eml"):
            try:
                out.append(self._entry(folder, path.stem))
            except FileNotFoundError:
                continue  # sent or moved by another process since the listing
        return sorted(out, key=lambda e: (e.created_at, e.name))

    def next_due(self) -> datetime | None:
        """When the earliest queued message should be tried next (for a worker loop)."""
        return min((e.next_attempt_at for e in self.entries()), default=None)

    def is_sent(self, key: str) -> bool:
        return (self.root / "sent" / f"{entry_name(key)}.json").exists()

    def requeue_failed(self, key: str | None = None) -> int:
        """Move parked messages back to the queue with a fresh attempt budget."""
        moved = 0
        for entry in self.entries(failed=True):
            if key is not None and entry.key != key:
                continue
            with self._locked(entry.name):
                if not entry.path.exists():
                    continue  # requeued or cancelled by another process since the listing
                meta = self._read_meta(self.root / "failed" / f"{entry.name}.json", entry.key)
                meta.update(attempts=0, next_attempt_at=self._clock().isoformat())
                self._write_meta(self.root / f"{entry.name}.json", meta)
                os.replace(entry.path, self.root / f"{entry.name}.eml")
                (self.root / "failed" / f"{entry.name}.json").unlink(missing_ok=True)
                fsync_dir(self.root)
                moved += 1
        return moved

    def cancel(self, key: str) -> bool:
        """Drop a message not sent yet (queued, or parked as failed) because what it is
        about was deleted; a sent one is in the recipient's mailbox and stays recorded as
        sent. True when one was dropped; a mail job for it then finds nothing to send."""
        name = entry_name(key)
        # Waits while this message is being sent: then it is either sent (and stays so)
        # or back in the queue, and dropped here, never sent after this returns.
        with self._locked(name):
            if (self.root / "sent" / f"{name}.json").exists():
                return False
            dropped = False
            for folder in (self.root, self.root / "failed"):
                eml = folder / f"{name}.eml"
                dropped = dropped or eml.exists()
                eml.unlink(missing_ok=True)
                (folder / f"{name}.json").unlink(missing_ok=True)
        return dropped

    # ---- internals --------------------------------------------------------------------

    def _existing(self, name: str) -> DeliveryResult | None:
        sent = self.root / "sent" / f"{name}.json"
        if sent.exists():
            info = json.loads(sent.read_text())
            return DeliveryResult(DeliveryStatus.ALREADY_SENT, info["key"], info["message_id"])
        for folder, status in (
            (self.root, DeliveryStatus.QUEUED),
            (self.root / "failed", DeliveryStatus.FAILED),
        ):
            if (folder / f"{name}.eml").exists():
                e = self._entry(folder, name)
                return DeliveryResult(
                    status, e.key, e.message_id, e.attempts, e.last_error, e.next_attempt_at
                )
        return None

    def _peek(self, name: str) -> DeliveryResult | None:
        """``name`` read without its lock: a hit is true, a miss may be a message in motion."""
        try:
            return self._existing(name)
        except FileNotFoundError:
            return None

    def _attempt(self, name: str, *, wait: bool) -> _Attempt | None:
        """Send one queued message, holding its lock throughout (None without ``wait``
        when someone else holds it): two senders never both find it unsent."""
        with self._locked(name, wait=wait) as held:
            if not held:
                return None
            eml = self.root / f"{name}.eml"
            if not eml.exists():  # another process finished it meanwhile
                existing = self._existing(name)
                if existing is None:
                    raise FileNotFoundError(eml)
                return existing, None
            entry = self._entry(self.root, name)
            if (self.root / "sent" / f"{name}.json").exists():
                self._remove_queued(name)
                return DeliveryResult(
                    DeliveryStatus.ALREADY_SENT, entry.key, entry.message_id
                ), None
            raw = eml.read_bytes()
            try:
                sender, recipients = envelope(parse_headers(raw))
                self.mailer.send(raw, sender=sender, recipients=recipients)
            except MailDeliveryError as exc:
                return self._record_failure(entry, str(exc), permanent=exc.permanent), exc
            except Exception as exc:  # a bug must not lose the message: keep it, retry
                log.exception("unexpected error sending %s", entry.key)
                return self._record_failure(
                    entry, f"{type(exc).__name__}: {exc}", permanent=False
                ), None
            # Marker first, then delete: a crash in between leaves a queued copy that the
            # next flush recognises as delivered, instead of a lost or a duplicate email.
            marker = {
                "key": entry.key,
                "message_id": entry.message_id,
                "sent_at": self._clock().isoformat(),
                "attempts": entry.attempts + 1,
                "via": self.mailer.description,
            }
            self._write_meta(self.root / "sent" / f"{name}.json", marker)
            self._remove_queued(name)
        log.info("delivered %s (%s) via %s", entry.key, entry.message_id, self.mailer.description)
        return DeliveryResult(
            DeliveryStatus.SENT, entry.key, entry.message_id, entry.attempts + 1
        ), None

    def _record_failure(self, entry: OutboxEntry, error: str, *, permanent: bool) -> DeliveryResult:
        now = self._clock()
        meta = self._read_meta(self.root / f"{entry.name}.json", entry.key)
        attempts = int(meta.get("attempts", 0)) + 1
        errors = [*meta.get("errors", []), {"at": now.isoformat(), "error": error}]
        delay = min(self.base_delay * 2 ** (attempts - 1), self.max_delay)
        next_at = now + timedelta(seconds=delay)
        meta.update(
            key=entry.key,
            message_id=entry.message_id,
            created_at=entry.created_at.isoformat(),
            attempts=attempts,
            next_attempt_at=next_at.isoformat(),
            errors=errors[-_MAX_ERRORS_KEPT:],
        )
        give_up = permanent or attempts >= self.max_attempts
        if not give_up:
            self._write_meta(self.root / f"{entry.name}.json", meta)
            log.warning(
                "delivery of %s failed (attempt %d/%d), next try %s: %s",
                entry.key,
                attempts,
                self.max_attempts,
                next_at.isoformat(timespec="seconds"),
                error,
            )
            return DeliveryResult(
                DeliveryStatus.QUEUED, entry.key, entry.message_id, attempts, error, next_at
            )
        # Parked, never deleted: the JSON goes first so the parked copy is never without
        # its history; a leftover queue JSON is harmless (rewritten on the next submit).
        meta["failed_at"] = now.isoformat()
        self._write_meta(self.root / "failed" / f"{entry.name}.json", meta)
        os.replace(entry.path, self.root / "failed" / f"{entry.name}.eml")
        (self.root / f"{entry.name}.json").unlink(missing_ok=True)
        fsync_dir(self.root)
        fsync_dir(self.root / "failed")
        log.error(
            "gave up on %s after %d attempt(s); kept in %s: %s",
            entry.key,
            attempts,
            self.root / "failed",
            error,
        )
        return DeliveryResult(DeliveryStatus.FAILED, entry.key, entry.message_id, attempts, error)

    def _entry(self, folder: Path, name: str) -> OutboxEntry:
        eml = folder / f"{name}.eml"
        with open(eml, "rb") as fh:  # headers only: the body may be a 10 MB attachment
            head = fh.read(16384)
            while HEADER_END.search(head) is None and (more := fh.read(16384)):
                head += more
            mtime = datetime.fromtimestamp(os.fstat(fh.fileno()).st_mtime, UTC)
        headers = parse_headers(head)
        # Stripped: a key too long for one header line is folded onto the next, and the
        # parser hands it back with the fold's leading space (then it names no entry).
        key = str(headers.get(KEY_HEADER) or name).strip()
        meta = self._read_meta(folder / f"{name}.json", key)
        created = parse_time(meta.get("created_at")) or mtime
        errors = meta.get("errors") or []
        return OutboxEntry(
            name=name,
            key=key,
            message_id=str(headers.get("Message-ID") or ""),
            created_at=created,
            attempts=int(meta.get("attempts", 0)),
            # Never tried (no sidecar yet): due at once. Falling back to the file's mtime
            # would mix the wall clock into an outbox that runs on its own (injectable) clock.
            next_attempt_at=parse_time(meta.get("next_attempt_at")) or NEVER_TRIED,
            last_error=errors[-1]["error"] if errors else None,
            failed=folder != self.root,
            path=eml,
        )

    def _read_meta(self, path: Path, key: str) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("key") == key:
                return data
        except (OSError, ValueError):
            pass  # missing or torn sidecar: the .eml is the truth, start its bookkeeping over
        return {"key": key, "attempts": 0, "errors": []}

    def _write_meta(self, path: Path, meta: dict[str, Any]) -> None:
        self._write_atomic(path, json.dumps(meta, indent=1, ensure_ascii=False).encode("utf-8"))

    def _write_atomic(self, dest: Path, data: bytes) -> None:
        write_atomic(dest, data, self.root / "tmp")

    def _remove_queued(self, name: str) -> None:
        # No directory fsync: if a crash undoes the unlink, the sent marker (which was
        # fsynced) makes the next flush drop the copy without sending it.
        (self.root / f"{name}.eml").unlink(missing_ok=True)
        (self.root / f"{name}.json").unlink(missing_ok=True)

    def _locked(self, name: str, *, wait: bool = True) -> contextlib.AbstractContextManager[bool]:
        return message_lock(self.root / "locks" / f"{name}.lock", wait=wait)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
