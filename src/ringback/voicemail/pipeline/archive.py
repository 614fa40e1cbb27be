"""The 'archive' stage: the original, kept in the local spool by 'store', copied to the
object store (RINGBACK_STORAGE_URL), so that a worker on any machine can read it.

It runs right after 'store' and only when the store is remote (with the data folder the
spool *is* the store, and the list is as it always was). The spool copy is deleted only
after the object store has accepted the whole file (its size checked), so a store that
is down loses nothing: the stage fails with
:class:`~ringback.storage.StorageUnavailable`, the runner waits and tries again, and the
message stays "received" (waiting for storage) for ``ringback inbox resume`` if the store
stays down longer than the runner waits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from ringback.db.base import utcnow
from ringback.storage import LocalStorage, Storage, StorageUnavailable
from ringback.voicemail.pipeline.context import PermanentError, VoicemailContext
from ringback.voicemail.pipeline.recording import TEMP_PREFIX
from ringback.voicemail.pipeline.stages import Stage

log = logging.getLogger("ringback.voicemail.pipeline")


class ArchiveStage(Stage):
    name = "archive"

    def __init__(self, store: Storage, spool: LocalStorage) -> None:
        self.store = store
        self.spool = spool

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        if self.store.key_of(ctx.location) is not None:
            return replace(ctx, store=self.store)  # archived by an earlier run
        key = self.spool.key_of(ctx.location)
        if key is None:
            raise PermanentError(f"the original {ctx.location!r} is not in the spool folder")
        spool_file = self.spool.path(key)
        if spool_file.is_file():
            size = spool_file.stat().st_size
            self.store.put_file(key, spool_file, content_type=ctx.mime)
            stored = self.store.size(key)
            if stored != size:
                raise PermanentError(f"the store kept {stored} of {size} bytes of {key}")
        elif not self.store.exists(key):
            # Same bytes as another message, whose run archived and removed the spool copy.
            raise PermanentError(f"the original {key} is neither in the spool nor the store")
        location = self.store.locate(key)
        log.info("voicemail %s: original archived at %s", ctx.voicemail_id, location)
        return replace(ctx, location=location, store=self.store)

    def output(self, ctx: VoicemailContext) -> dict[str, Any]:
        return {"location": ctx.location, "key": self.store.key_of(ctx.location)}

    def restore(self, ctx: VoicemailContext, output: Mapping[str, Any]) -> VoicemailContext:
        return replace(ctx, store=self.store)

    def cleanup(self, ctx: VoicemailContext) -> None:
        """Once archived, the local copy (spool file or download) is not needed."""
        if self.store.key_of(ctx.location) is None:
            return  # not archived yet: the spool keeps the only copy
        path = ctx.original_path
        if str(path) in ("", "."):
            return
        if self.spool.key_of(str(path)) is not None or path.name.startswith(TEMP_PREFIX):
            path.unlink(missing_ok=True)


def archive_now(url: str, voicemail_id: int, stage: ArchiveStage) -> bool:
    """Do a message's 'archive' step right away, in the process that took it in, and
    record it done (the message stays 'received' for whoever processes it).

    For a queue whose workers run on other machines (they cannot see this one's spool):
    call it after ingest and before handing the message over. False when the store does
    not answer; the step is then left to the worker's run, which waits for the store.
    """
    from ringback.db.session import transaction
    from ringback.voicemail.models import StageStatus, Voicemail, VoicemailStage
    from ringback.voicemail.pipeline.records import context_from_row, jsonable, record_done

    with transaction(url) as session:
        row = session.get(Voicemail, voicemail_id)
        if row is None:
            raise LookupError(f"no voicemail {voicemail_id}")
        ctx = context_from_row(row)
    started = time.perf_counter()
    try:
        done = stage.run(ctx)
    except StorageUnavailable as exc:
        log.warning("voicemail %s: not archived yet (%s); the worker will", voicemail_id, exc)
        return False
    with transaction(url) as session:
        found = session.scalars(
            select(VoicemailStage).where(
                VoicemailStage.voicemail_id == voicemail_id, VoicemailStage.stage == stage.name
            )
        ).first()
        if found is None:
            session.add(
                VoicemailStage(
                    voicemail_id=voicemail_id,
                    stage=stage.name,
                    position=1,
                    status=StageStatus.PENDING,
                    attempts=1,
                )
            )
            session.flush()
        record_done(
            session,
            vid=voicemail_id,
            name=stage.name,
            output=jsonable(stage.output(done)),
            ms=int((time.perf_counter() - started) * 1000),
            finished=utcnow(),
            ctx=done,
        )
    stage.cleanup(done)
    return True
