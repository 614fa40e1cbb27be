"""PostgreSQL down for a full minute under a running pipeline (issue 17 §4, the long form of
tests/test_outages.py, which keeps the outage to a few retry rounds).

    python bench/bench_outage.py [--n 6] [--outage 60] [--json]

A PostgreSQL server of its own (initdb into a temporary directory, its own port), a real
aiosmtpd server, and the pipeline (`ringback inbox watch`, the embedded queue) in a child
process with the bundled Whisper tiny.en. Half the messages are dropped in, the first
email is awaited, the server is stopped with `pg_ctl stop -m fast`, the other half are
dropped in, and the server stays down for ``--outage`` seconds; then it is started again.

Reports: the worker still running after the outage, every voicemail done, each emailed
exactly once (counted at the SMTP server), and the recovery time (server back → last
email accepted). Exits non-zero when any of these fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.outage import (  # noqa: E402
    EmbeddedPipeline,
    own_postgres,
    pipeline_env,
    recordings,
)
from tests.support.smtp import smtp_servers  # noqa: E402
from tests.support.twilio import wait_for  # noqa: E402

from ringback.db.migrate import upgrade  # noqa: E402


def run(n: int, outage: float) -> dict[str, object]:
    from sqlalchemy import create_engine, select
    from sqlalchemy.pool import NullPool

    from ringback.voicemail.models import Voicemail

    def statuses(url: str) -> list[str]:
        engine = create_engine(url, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return [str(s) for s in conn.scalars(select(Voicemail.status))]
        except Exception:
            return []
        finally:
            engine.dispose()

    tmp = Path(tempfile.mkdtemp(prefix="ringback-outage-"))  # kept: the worker's log is there
    with own_postgres() as pg, smtp_servers() as start_smtp:
        upgrade(pg.url)
        smtp = start_smtp()
        pipe = EmbeddedPipeline(tmp, pipeline_env(tmp / "data", pg.url, smtp.port))
        messages = recordings(n)
        half = n // 2
        try:
            pipe.start()
            for name, audio in messages[:half]:
                pipe.submit(name, audio)
            wait_for(lambda: len(smtp.handler.envelopes) >= 1, 300, "the first email")
            pg.stop()
            down_at = time.monotonic()
            for name, audio in messages[half:]:
                pipe.submit(name, audio)
            # The outage itself lasts a fixed time: that is what is being measured against.
            while time.monotonic() - down_at < outage:
                time.sleep(0.5)
            alive = pipe.alive()
            pg.start()
            back_at = time.monotonic()
            wait_for(lambda: len(smtp.handler.envelopes) >= n, 600, "every email")
            recovered = time.monotonic() - back_at
            wait_for(lambda: statuses(pg.url) == ["done"] * n, 120, "every voicemail done")
        finally:
            pipe.stop()
        per_key = Counter(str(m["X-Ringback-Idempotency-Key"]) for m in smtp.handler.messages())
        return {
            "messages": n,
            "outage_seconds": outage,
            "worker_alive_after_outage": alive,
            "voicemails_done": statuses(pg.url).count("done"),
            "emails": sum(per_key.values()),
            "emailed_twice": sorted(k for k, c in per_key.items() if c > 1),
            "recovery_seconds": round(recovered, 2),
            "worker_log": str(pipe.log_path),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6)
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args.n, args.outage)
    print(
        json.dumps(result, indent=1)
        if args.json
        else "\n".join(f"{k}: {v}" for k, v in result.items())
    )
    ok = (
        result["worker_alive_after_outage"]
        and result["voicemails_done"] == args.n
        and result["emails"] == args.n
        and not result["emailed_twice"]
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
