"""The outbox read from its folders alone, without a lock or a mailer: what a metrics
scrape needs (any process sharing the folder sees the same)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ringback.mail.outbox import entry_name, parse_time


@dataclass(frozen=True)
class SpoolCounts:
    """How many messages wait, were parked as failed, and were delivered (all time)."""

    waiting: int
    failed: int
    sent: int


def _count(folder: Path, suffix: str) -> int:
    try:
        with os.scandir(folder) as entries:
            return sum(1 for e in entries if e.name.endswith(suffix))
    except FileNotFoundError:
        return 0


def spool_counts(root: Path) -> SpoolCounts:
    """The outbox at ``root`` counted from its folders, without a lock or a mailer (what a
    metrics scrape needs: any process sharing the folder sees the same)."""
    root = Path(root)
    return SpoolCounts(
        _count(root, ".eml"), _count(root / "failed", ".eml"), _count(root / "sent", ".json")
    )


def sent_time(root: Path, key: str) -> datetime | None:
    """When the mail under ``key`` was delivered, from its sent marker; None if not (yet)."""
    try:
        info = json.loads((Path(root) / "sent" / f"{entry_name(key)}.json").read_text())
    except (OSError, ValueError):
        return None
    return parse_time(info.get("sent_at")) if isinstance(info, dict) else None


def is_parked(root: Path, key: str) -> bool:
    """True when the mail under ``key`` gave up and sits in ``failed/``."""
    return (Path(root) / "failed" / f"{entry_name(key)}.eml").exists()
