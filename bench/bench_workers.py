"""The voicemail pipeline on Celery workers (issue 17 §1, §4), in one run:

    python bench/bench_workers.py [--n 200] [--runs 20] [--broker redis://127.0.0.1:6379/0] [--json]

throughput: ``--n`` short real-speech messages (about 2 s each, distinct bytes) are stored
            and queued with one `ringback inbox add` (RINGBACK_QUEUE=celery), then run by
            1 `ringback worker` process, then (a fresh installation) by 2; messages per
            second from the queueing to the last email accepted by a real aiosmtpd server.
            Every run also checks issue 17's proof: each message transcribed once (its
            transcribe stage has 1 attempt), emailed exactly once (counted at the SMTP
            server by idempotency key), none lost (all ``done``).
latency:    hang-up -> email, one message at a time (``--runs`` of the 22 s test voicemail,
            a distinct number each): "hang-up" = the WAV is on disk, "email" = the SMTP
            server's DATA handler returned 250 (timestamped in its thread). Celery: the
            recording is stored and queued in this process (what `inbox add` and the
            webhooks do) and a warm worker runs it; embedded: `ingest` with the real
            stages in this process, model warmed first (what `inbox add` does today).

Both queues use a fresh migrated SQLite database and the bundled tiny.en model. Other
developers share this machine's 2 cores: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from aiosmtpd.controller import Controller  # noqa: E402
from sqlalchemy import create_engine, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from tests.support.audio import voicemail_wav  # noqa: E402
from tests.support.net import free_port  # noqa: E402
from tests.support.workers import (  # noqa: E402
    REDIS_URL,
    short_clip,
    smtp_env,
    wait_until,
    workers,
)


class Stamped:
    """aiosmtpd handler: when each message (by idempotency key) was accepted."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}
        self.keys: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.perf_counter()
        headers = BytesHeaderParser(policy=default).parsebytes(envelope.content)
        key = " ".join(str(headers.get("X-Ringback-Idempotency-Key", "")).split())
        with self.lock:
            self.keys[key] += 1
            self.accepted.setdefault(key, now)
        await asyncio.sleep(0)
        return "250 Message accepted for delivery"


def check(url: str, handler: Stamped, n: int) -> dict[str, Any]:
    """Issue 17's proof on a finished run: all done, transcribed once, emailed once."""
    from ringback.voicemail.models import Voicemail, VoicemailStage

    engine = create_engine(url)
    with Session(engine) as session:
        rows = list(session.scalars(select(Voicemail)))
        attempts = {
            s.voicemail_id: s.attempts
            for s in session.scalars(
                select(VoicemailStage).where(VoicemailStage.stage == "transcribe")
            )
        }
    engine.dispose()
    keys = {r.email_key for r in rows}
    return {
        "messages": len(rows),
        "done": sum(r.status == "done" for r in rows),
        "transcribed_once": sum(attempts.get(r.id) == 1 for r in rows),
        "emailed_once": sum(handler.keys.get(k or "") == 1 for k in keys),
        "emails": sum(handler.keys.values()),
        "ok": len(rows) == n
        and all(r.status == "done" for r in rows)
        and all(attempts.get(r.id) == 1 for r in rows)
        and sum(handler.keys.values()) == n
        and all(handler.keys.get(k or "") == 1 for k in keys),
    }


def throughput(n: int, processes: int, broker: str, base: Path) -> dict[str, Any]:
    handler = Stamped()
    port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    data = base / f"throughput-{processes}"
    clips = base / f"clips-{processes}"
    clips.mkdir(parents=True)
    paths = []
    for i in range(n):
        paths.append(clips / f"msg{i:04d}.wav")
        # Distinct bytes in every run, and the same length of audio in each run.
        paths[-1].write_bytes(short_clip(2 * i + processes))
    audio_seconds = sum((p.stat().st_size - 44) / 16000 for p in paths)
    url = f"sqlite:///{data / 'rb.db'}"
    try:
        with workers(data, url, broker, **smtp_env(port)) as run:
            for _ in range(processes):
                run.start(queues="transcribe,mail")
            t0 = time.perf_counter()
            added = run.run("inbox", "add", *map(str, paths), "--json", timeout=900)
            assert added.returncode == 0, added.stderr
            queued = time.perf_counter()
            wait_until(lambda: sum(handler.keys.values()) >= n, 3600, poll=0.2)
            elapsed = max(handler.accepted.values()) - t0
            proof = check(url, handler, n)
    finally:
        smtp.stop()
    return {
        "workers": processes,
        "n": n,
        "audio_seconds": round(audio_seconds, 1),
        "queue_seconds": round(queued - t0, 2),
        "wall_seconds": round(elapsed, 2),
        "messages_per_second": round(n / elapsed, 3),
        **proof,
    }


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _settings(data: Path, port: int, **extra: Any) -> Any:
    from ringback.config import Settings

    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data,
        database_url=f"sqlite:///{data / 'rb.db'}",
        timezone="America/New_York",
        owner_email="seller@example.com",
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_to="seller@example.com",
        smtp_from="ringback@example.com",
        mail_attach_audio=False,
        **extra,
    )


def _message(base: Path, i: int) -> Path:
    digits = f"212555{i % 10000:04d}"
    path = base / f"vm{i:03d}.wav"
    path.write_bytes(voicemail_wav(digits, tail_seconds=0.5 + i * 0.01))
    return path


def latency_embedded(runs: int, base: Path) -> list[float]:
    from ringback.db.migrate import ensure_current
    from ringback.voicemail.adapters import WhisperTranscriber
    from ringback.voicemail.service import add_file

    handler = Stamped()
    port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    data = base / "embedded"
    data.mkdir()
    settings = _settings(data, port)
    ensure_current(settings.effective_database_url)
    WhisperTranscriber(settings).warm()
    out = []
    try:
        for i in range(runs):
            path = _message(base, 1000 + i)
            t0 = time.perf_counter()
            result = add_file(path, settings)
            assert result.status == "done", result.status_reason
            out.append(handler.accepted[result.email_key or ""] - t0)
    finally:
        smtp.stop()
    return out


def latency_celery(runs: int, broker: str, base: Path) -> list[float]:
    from ringback.jobs import backend_from_settings
    from ringback.voicemail.jobs import store_and_queue

    handler = Stamped()
    port = free_port()
    smtp = Controller(handler, hostname="127.0.0.1", port=port)
    smtp.start()
    data = base / "celery"
    url = f"sqlite:///{data / 'rb.db'}"
    out = []
    try:
        with workers(data, url, broker, **smtp_env(port)) as run:
            run.start(queues="transcribe,mail")
            settings = _settings(
                data, port, queue="celery", broker_url=broker, queue_prefix=run.prefix
            )
            backend = backend_from_settings(settings)
            for i in range(runs):
                path = _message(base, 2000 + i)
                t0 = time.perf_counter()
                result = store_and_queue(path, settings, backend)
                key = wait_until(lambda r=result: _email_key(url, r.id), 300, poll=0.01)
                wait_until(lambda k=key: k in handler.accepted, 300, poll=0.01)
                out.append(handler.accepted[key] - t0)
    finally:
        smtp.stop()
    return out


def _email_key(url: str, voicemail_id: int) -> str | None:
    from ringback.voicemail.models import Voicemail

    engine = create_engine(url)
    with Session(engine) as session:
        key = session.scalar(select(Voicemail.email_key).where(Voicemail.id == voicemail_id))
    engine.dispose()
    return key


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--broker", default=REDIS_URL)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report: dict[str, Any] = {"load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        base = Path(tmp)
        report["throughput"] = [throughput(args.n, k, args.broker, base) for k in (1, 2)]
        one, two = report["throughput"]
        report["speedup"] = round(two["messages_per_second"] / one["messages_per_second"], 2)
        embedded = latency_embedded(args.runs, base)
        celery = latency_celery(args.runs, args.broker, base)
        report["latency"] = {
            name: {
                "runs": len(values),
                "p50": round(statistics.median(values), 3),
                "p95": round(p95(values), 3),
                "max": round(max(values), 3),
            }
            for name, values in (("embedded", embedded), ("celery", celery))
        }
    report["load_after"] = os.getloadavg()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for row in report["throughput"]:
            print(
                f"{row['workers']} worker(s): {row['n']} messages in {row['wall_seconds']} s = "
                f"{row['messages_per_second']}/s; done {row['done']}, transcribed once "
                f"{row['transcribed_once']}, emailed once {row['emailed_once']} "
                f"({row['emails']} emails)"
            )
        print(f"speed-up 1 -> 2 workers: {report['speedup']}x")
        for name, lat in report["latency"].items():
            print(
                f"hang-up -> email, {name}: p50 {lat['p50']} s, p95 {lat['p95']} s, "
                f"max {lat['max']} s ({lat['runs']} runs)"
            )
        print(f"load average before {report['load_before']}, after {report['load_after']}")
    return 0 if all(row["ok"] for row in report["throughput"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
