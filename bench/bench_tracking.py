"""Outcome tracking at scale. Targets: `ringback stats` over 1,000,000 interactions < 1 s,
on SQLite and on PostgreSQL; logging 100,000 calls (bulk path) < 30 s.

    python bench/bench_tracking.py [--backend sqlite|postgres|both] [--rows 1000000]
                                   [--log-rows 100000] [--rounds 3] [--json]

Seeds a fresh database per backend (SQLite: a file in a temporary folder; PostgreSQL: a
dedicated database on 127.0.0.1:5432, dropped afterwards) with 10,000 contacts and
``--rows`` outreach events — half of them voicemails left (scored, three variants, random
rule bits), the rest calls, emails and inbound returns — then times
``compute_stats`` (everything `ringback stats --json` prints) over all of it, best and
median of ``--rounds``. Then times ``log_calls_bulk`` for ``--log-rows`` new calls into the
same database, including the duplicate check and the set-based pass that marks returns.
Seeding itself is not timed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PG_ADMIN = os.environ.get(
    "RINGBACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CONTACTS = 10_000
START = datetime(2026, 1, 5, tzinfo=UTC)


def seed(url: str, rows: int, rng: random.Random) -> None:
    from sqlalchemy import insert

    from ringback.contacts.models import Contact
    from ringback.db.session import get_engine
    from ringback.tracking.models import OutreachEvent

    engine = get_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Contact.__table__), [{"name": f"Contact {i}", "created_at": START,
                     "updated_at": START, "is_lead": False} for i in range(CONTACTS)])  # fmt: skip
    table = OutreachEvent.__table__
    batch: list[dict[str, Any]] = []
    span = 300 * 86400
    # Loading is faster with the secondary indexes built once at the end (seeding is not
    # what is measured); the same indexes are back before anything is timed.
    with engine.begin() as conn:
        for index in table.indexes:
            index.drop(conn)
    with engine.begin() as conn:
        for i in range(rows):
            epoch = int(START.timestamp()) + rng.randrange(span)
            kind = rng.random()
            row: dict[str, Any] = {
                "key": f"seed:{i}",
                "contact_id": 1 + rng.randrange(CONTACTS),
                "occurred_at": datetime.fromtimestamp(epoch, UTC),
                "epoch": epoch,
                "hour": epoch // 3600,
                "source": "bulk",
                "created_at": START,
                "script": None,
                "score": None,
                "rule_bits": None,
                "variant": None,
                "return_seconds": None,
            }
            if kind < 0.5:  # a voicemail left; about a third come back
                bits = rng.getrandbits(11)
                row.update(channel="voicemail", direction="outbound", outcome="voicemail",
                           score=rng.randrange(20, 100), rule_bits=bits,
                           variant=rng.choice(("A", "B", "C")))  # fmt: skip
                if rng.random() < 0.1 + 0.05 * bin(bits).count("1"):
                    row["return_seconds"] = rng.randrange(60, 7 * 86400)
            elif kind < 0.7:
                row.update(channel="call", direction="outbound",
                           outcome=rng.choice(("connected", "no_answer")))  # fmt: skip
            elif kind < 0.8:
                row.update(channel="email", direction="outbound", outcome="sent")
            else:
                row.update(channel=rng.choice(("call", "email", "voicemail")),
                           direction="inbound", outcome="received")  # fmt: skip
            batch.append(row)
            if len(batch) == 20_000:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)
    with engine.begin() as conn:
        for index in table.indexes:
            index.create(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        from sqlalchemy import text

        # Fresh statistics for the planner (and, on PostgreSQL, the visibility map that
        # index-only scans need), as autovacuum would do on a live server.
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def time_stats(url: str, rounds: int) -> list[float]:
    from ringback.db.session import transaction
    from ringback.tracking.stats import compute_stats

    times = []
    for _ in range(rounds):
        with transaction(url) as session:
            t0 = time.perf_counter()
            data = compute_stats(session, tz=__import__("zoneinfo").ZoneInfo("America/New_York"))
            times.append(time.perf_counter() - t0)
    assert data.voicemails_left > 0
    return times


def time_bulk(url: str, rows: int, rng: random.Random) -> tuple[float, dict[str, int]]:
    from ringback.config import Settings
    from ringback.db.session import transaction
    from ringback.tracking.bulk import CallRow, log_calls_bulk
    from ringback.tracking.models import Outcome, Way

    base = START + timedelta(days=310)
    calls = [
        CallRow(
            contact_id=1 + rng.randrange(CONTACTS),
            direction=Way.INBOUND if rng.random() < 0.2 else Way.OUTBOUND,
            outcome=rng.choice((Outcome.CONNECTED, Outcome.NO_ANSWER, Outcome.VOICEMAIL)),
            at=base + timedelta(seconds=rng.randrange(30 * 86400)),
            key=f"bench-call:{i}",
        )
        for i in range(rows)
    ]
    settings = Settings(database_url=url)
    t0 = time.perf_counter()
    with transaction(url) as session:
        report = log_calls_bulk(session, rows=calls, settings=settings)
    elapsed = time.perf_counter() - t0
    return elapsed, {"inserted": report.inserted, "duplicates": report.duplicates}


def run_backend(name: str, rows: int, log_rows: int, rounds: int) -> dict[str, Any]:
    from ringback.db.migrate import upgrade
    from ringback.db.session import get_engine

    rng = random.Random(6)
    admin = None
    tmp = None
    if name == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="rb-bench-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    else:
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        db = f"ringback_bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        url = make_url(PG_ADMIN).set(database=db).render_as_string(hide_password=False)
    try:
        upgrade(url)
        t0 = time.perf_counter()
        seed(url, rows, rng)
        seeded = time.perf_counter() - t0
        stats_times = time_stats(url, rounds)
        bulk_seconds, bulk = time_bulk(url, log_rows, rng)
        return {
            "backend": name,
            "rows": rows,
            "seed_seconds": round(seeded, 1),
            "stats_best_s": round(min(stats_times), 3),
            "stats_median_s": round(statistics.median(stats_times), 3),
            "log_rows": log_rows,
            "log_seconds": round(bulk_seconds, 2),
            "log_per_second": round(log_rows / bulk_seconds),
            **bulk,
        }
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            admin.dispose()
        if tmp is not None:
            tmp.cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--log-rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    results = []
    for name in backends:
        print(f"[{name}] seeding {args.rows:,} events…", file=sys.stderr, flush=True)
        results.append(run_backend(name, args.rows, args.log_rows, args.rounds))
        r = results[-1]
        if not args.json:
            print(
                f"{name:9s} stats over {r['rows']:,} events: best {r['stats_best_s']:.3f} s, "
                f"median {r['stats_median_s']:.3f} s (target < 1 s); "
                f"logging {r['log_rows']:,} calls: {r['log_seconds']:.1f} s "
                f"({r['log_per_second']:,}/s, target < 30 s)"
            )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
