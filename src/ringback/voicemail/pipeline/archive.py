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
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ringback.storage import LocalStorage, Storage
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
