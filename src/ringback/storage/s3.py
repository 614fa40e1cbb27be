"""Any S3-compatible object store through boto3 (AWS S3, MinIO, Ceph, moto...).

boto3 is the optional ``s3`` extra and imported only when this backend is used. Every
botocore failure is turned into one of the storage errors: connection trouble, timeouts,
5xx answers and throttling are :class:`StorageUnavailable` (wait and try again), a key
that is not there is :class:`ObjectMissing`, anything else (a wrong key pair, no such
bucket) a :class:`StorageError` that says which setting to check.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, cast

from ringback.storage.base import ObjectMissing, StorageError, StorageUnavailable, check_key

_CHUNK = 1 << 20
_MISSING = {"404", "NoSuchKey", "NotFound"}
_TRANSIENT = {"SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "InternalError"}


def _raise(exc: Exception, what: str) -> NoReturn:
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _MISSING:
            raise ObjectMissing(f"{what}: not in the store") from None
        if code in _TRANSIENT or status >= 500:
            raise StorageUnavailable(f"{what}: the store answered {status} {code}") from None
        raise StorageError(
            f"{what}: the store refused ({code or status}: {error.get('Message', '')}); "
            "check RINGBACK_STORAGE_URL and the RINGBACK_S3_* settings"
        ) from None
    if isinstance(exc, BotoCoreError | OSError):
        raise StorageUnavailable(f"{what}: cannot reach the store ({exc})") from None
    raise exc


class S3Storage:
    """Objects under ``s3://<bucket>/<prefix>/<key>``."""

    remote = True

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, **extra)
        except Exception as exc:
            _raise(exc, f"storing {key}")

    def put_file(self, key: str, path: Path, *, content_type: str | None = None) -> None:
        extra = {"ContentType": content_type} if content_type else {}
        try:
            with open(path, "rb") as handle:
                self.client.put_object(
                    Bucket=self.bucket, Key=self._name(key), Body=handle, **extra
                )
        except FileNotFoundError:
            raise
        except Exception as exc:
            _raise(exc, f"storing {key}")

    def _get(self, key: str, **extra: Any) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key), **extra)
        except Exception as exc:
            _raise(exc, f"reading {key}")

    def open(self, key: str) -> BinaryIO:
        return cast(BinaryIO, self._get(key)["Body"])

    def read_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        body = self._get(key, Range=f"bytes={start}-{end}")["Body"]
        try:
            while chunk := body.read(_CHUNK):
                yield chunk
        except Exception as exc:
            _raise(exc, f"reading {key}")
        finally:
            body.close()

    def _head(self, key: str) -> dict[str, Any]:
        try:
            return cast(
                dict[str, Any], self.client.head_object(Bucket=self.bucket, Key=self._name(key))
            )
        except Exception as exc:
            _raise(exc, f"looking up {key}")

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except ObjectMissing:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except Exception as exc:
            _raise(exc, f"deleting {key}")

    def list(self, prefix: str = "") -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start + prefix
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    yield str(item["Key"])[len(start) :]
        except Exception as exc:
            _raise(exc, f"listing {prefix or 'the store'}")

    def locate(self, key: str) -> str:
        return f"{self.describe()}/{check_key(key)}"

    def key_of(self, location: str) -> str | None:
        head = self.describe() + "/"
        return location[len(head) :] if location.startswith(head) else None

    @contextmanager
    def materialise(self, key: str) -> Iterator[Path]:
        suffix = Path(key).suffix
        fd, name = tempfile.mkstemp(prefix="ringback-", suffix=suffix)
        path = Path(name)
        try:
            body = self._get(key)["Body"]
            try:
                with os.fdopen(fd, "wb") as out:
                    while chunk := body.read(_CHUNK):
                        out.write(chunk)
            except Exception as exc:
                _raise(exc, f"reading {key}")
            yield path
        finally:
            path.unlink(missing_ok=True)

    def reachable(self) -> bool:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            _raise(exc, f"bucket {self.bucket}")
        return True
