"""The no-server default: mail lands in a Maildir any mail client can open."""

from __future__ import annotations

import logging
import mailbox
from collections.abc import Sequence
from pathlib import Path

from ringback.durable import fsync_dir, fsync_file
from ringback.mail.protocol import MailDeliveryError

log = logging.getLogger("ringback.mail.maildir")


class MaildirMailer:
    """Writes each message into ``<path>/new/`` (stdlib :class:`mailbox.Maildir`).

    ``mailbox`` writes to ``tmp/`` and renames into ``new/`` (so readers never see a
    half-written file) but does not fsync; we do, because the outbox deletes its copy
    as soon as ``send`` returns.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"MaildirMailer({self.path})"

    @property
    def description(self) -> str:
        return f"maildir:{self.path}"

    def send(self, raw: bytes, *, sender: str, recipients: Sequence[str]) -> None:
        # The envelope has no place in a Maildir: the headers already say who it's for.
        try:
            box = mailbox.Maildir(self.path, create=True)
            key = box.add(raw)  # mailbox turns CRLF into the local line ending
            fsync_file(self._file_for(key))
            fsync_dir(self.path / "new")
        except OSError as exc:
            raise MailDeliveryError(f"cannot write to Maildir {self.path}: {exc}") from None
        log.info("stored mail for %s in %s", ", ".join(recipients), self.path)

    def _file_for(self, key: str) -> Path:
        # A plain EmailMessage carries no Maildir flags, so mailbox stores it as new/<key>.
        direct = self.path / "new" / key
        if direct.exists():
            return direct
        matches = list((self.path / "new").glob(f"{key}*"))
        if not matches:
            raise OSError(f"message {key} vanished from {self.path / 'new'}")
        return matches[0]
