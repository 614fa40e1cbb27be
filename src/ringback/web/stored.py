"""Serving an object from the object store like a file: HTTP Range (the player seeks),
Content-Length, inline disposition. The bytes stream from the store in chunks; a store
that is down is a 503 that says to try again."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ringback.storage import ObjectMissing, Storage, StorageUnavailable
from ringback.voicemail.listing import Recording

_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(start, end) inclusive for one ``Range: bytes=…`` header; None for the whole object.
    Raises 416 for a range outside the object."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: the whole object, as RFC 9110 allows
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise HTTPException(416, headers={"Content-Range": f"bytes */{size}"})
    return start, end


async def stream_object(
    request: Request, store: Storage, key: str, *, mime: str, filename: str
) -> Response:
    """The object ``key`` as a response, ``206 Partial Content`` for a Range."""
    try:
        size = await run_in_threadpool(store.size, key)
    except ObjectMissing:
        raise HTTPException(404, "The recording is not in the object store.") from None
    except StorageUnavailable:
        raise HTTPException(
            503, "The recording store is not answering: try again shortly."
        ) from None
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": "private, no-cache",
        "Content-Disposition": f"inline; filename*=utf-8''{quote(filename)}",
    }
    if size == 0:
        return Response(b"", media_type=mime, headers=headers)
    wanted = byte_range(request.headers.get("range"), size)
    start, end = wanted or (0, size - 1)
    headers["Content-Length"] = str(end - start + 1)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return StreamingResponse(
        store.read_range(key, start, end), status_code=status, media_type=mime, headers=headers
    )


async def serve_recording(request: Request, store: Storage, found: Recording) -> Response:
    """A voicemail's original as it is stored: streamed from the object store (with
    ranges), or the file in the data folder. The inbox page and the API both answer this
    way, so a recording that plays in one plays in the other."""
    if found.key is not None:
        return await stream_object(
            request, store, found.key, mime=found.mime, filename=found.filename
        )
    if found.path is None:
        raise HTTPException(404, "the recording is not stored")
    return FileResponse(
        found.path,
        media_type=found.mime,
        filename=found.filename,
        content_disposition_type="inline",
        headers={"Cache-Control": "private, no-cache"},
    )
