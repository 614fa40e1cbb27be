"""Settings to a store: the one place that decides which backend runs."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ringback.errors import HintedError
from ringback.storage.base import Storage
from ringback.storage.local import LocalStorage

if TYPE_CHECKING:
    from ringback.config import Settings


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` -> (bucket, prefix)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise HintedError(
            f"unknown storage {url!r}",
            "set RINGBACK_STORAGE_URL to s3://bucket/prefix, or leave it empty for the data folder",
        )
    return parts.netloc, parts.path.strip("/")


@lru_cache(maxsize=8)
def _client(
    endpoint: str | None, region: str | None, key_id: str | None, secret: str | None
) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:  # pragma: no cover - the s3 extra is missing
        raise HintedError(
            "RINGBACK_STORAGE_URL is an S3 bucket but boto3 is not installed",
            "pip install 'ringback[s3]'",
        ) from None
    config = Config(
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 2, "mode": "standard"},
        s3={"addressing_style": "path"} if endpoint else {},
    )
    # None for a setting lets boto3 read the standard AWS_* variables and ~/.aws files.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=config,
    )


def storage_from_settings(settings: Settings) -> Storage:
    """The store the settings name: the data folder (default) or an S3 bucket."""
    if not settings.storage_url:
        return LocalStorage(settings.data_dir)
    bucket, prefix = parse_s3_url(settings.storage_url)
    secret = settings.s3_secret_access_key
    client = _client(
        settings.s3_endpoint_url or None,
        settings.s3_region or None,
        settings.s3_access_key_id or None,
        secret.get_secret_value() if secret is not None else None,
    )
    from ringback.storage.s3 import S3Storage

    return S3Storage(client, bucket, prefix)
