"""The REST API at team size (issue 16 §6): 50 reps, 200,000 contacts and 2 million
interactions on PostgreSQL. Targets: every list endpoint p95 < 100 ms; the team's return
statistics < 1 s.

    python bench/bench_api.py [--scale 1.0] [--runs 30] [--sqlite] [--json]

``--scale`` multiplies every size (0.01: 2,000 contacts and 20,000 interactions, a quick
run). The database is a scratch PostgreSQL database on 127.0.0.1:5432, dropped afterwards
(``--sqlite``: a file in a temporary folder), filled in bulk (PostgreSQL: ``COPY``) with
``bench/web_data.py``'s generators: contacts with back stories, their interactions, the
outreach events the statistics read (one per call, voicemail left and email), and open
follow-ups, then ``VACUUM ANALYZE`` (what autovacuum does after a bulk load: without the
visibility map no index-only scan skips the table). Reps are users with the ``rep`` role
when this branch has it (else owners); when the tables have an ``owner_id`` column (issue
16 §1), each contact is a rep's in turn and its rows (interactions, outreach events,
follow-ups) follow it.

Timed in process through Starlette's ``TestClient`` against ``create_app`` (middleware,
token lookup, the acting transaction, serialisation; no sockets), each request with a rep's
``Authorization: Bearer`` token, from the request sent to the body read: a warm-up of 3
rounds, then ``--runs`` rounds of every route of :data:`ROUTES`, interleaved round-robin
(each round by the next rep) so a burst of load hits every route alike. The reps are in
teams of ten; the statistics are asked for by the first team's manager (their ten reps'
data, the target of issue 16) and by the owner (all 50 reps'). ``--keep`` leaves the
database up until Enter is pressed, to profile it (EXPLAIN ANALYZE).
The machine's load is printed: other developers share its 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_web import database, machine, pct, settings_for  # noqa: E402
from bench.web_data import _contacts, _interactions, _outreach, _story  # noqa: E402

REPS = 50
TEAM_SIZE = 10  # reps per team; the manager whose statistics are timed leads the first
CONTACTS = 200_000
INTERACTIONS = 2_000_000
FOLLOW_UPS = 20_000
LIST_P95_MS = 100.0
STATS_MS = 1000.0
PASSWORD = "correct horse battery staple"

# (label, path, target ms): a list is timed at p95, the statistics at their slowest.
ROUTES: tuple[tuple[str, str, float], ...] = (
    ("contacts: first page", "/api/v1/contacts?limit=50", LIST_P95_MS),
    ("contacts: a deep page", "/api/v1/contacts?limit=50&cursor={deep_cursor}", LIST_P95_MS),
    ("contacts: changed since", "/api/v1/contacts?limit=50&updated_since={since}", LIST_P95_MS),
    ("a contact", "/api/v1/contacts/{contact_id}", LIST_P95_MS),
    ("a contact's interactions", "/api/v1/contacts/{contact_id}/interactions", LIST_P95_MS),
    ("follow-ups: open", "/api/v1/follow-ups?open=true&limit=50", LIST_P95_MS),
    ("voicemails", "/api/v1/voicemails?limit=50", LIST_P95_MS),
    ("call reviews", "/api/v1/calls?limit=50", LIST_P95_MS),
)
STATS_PATH = "/api/v1/stats"


def _columns(conn: Any, table: str) -> set[str]:
    from sqlalchemy import inspect

    return {c["name"] for c in inspect(conn).get_columns(table)}


def _copy(conn: Any, table: str, rows: Iterator[dict[str, Any]]) -> int:
    """Bulk-load ``rows`` (PostgreSQL: COPY; SQLite: executemany in batches)."""
    from sqlalchemy import MetaData, Table, insert

    first = next(rows, None)
    if first is None:
        return 0
    names = list(first)
    count = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as cp:
            for row in _chain(first, rows):
                cp.write_row([row[n] for n in names])
                count += 1
        return count
    target = Table(table, MetaData(), autoload_with=conn)
    batch = [first]
    for row in rows:
        batch.append(row)
        if len(batch) == 10_000:
            conn.execute(insert(target), batch)
            count += len(batch)
            batch = []
    conn.execute(insert(target), batch)
    return count + len(batch)


def _chain(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield first
    yield from rest


def _owned(rows: Iterator[dict[str, Any]], owner: Any) -> Iterator[dict[str, Any]]:
    """``rows`` with ``owner_id`` set by ``owner(row)`` (None: no such column)."""
    for row in rows:
        if owner is not None:
            row["owner_id"] = owner(row)
        yield row


def add_reps(url: str, n: int) -> dict[str, list[tuple[int, str]]]:
    """The owner, the first team's manager and ``n`` reps in teams of :data:`TEAM_SIZE`:
    (user id, API token) each, by role."""
    from argon2 import PasswordHasher

    from ringback.accounts import service, sessions
    from ringback.accounts.models import User
    from ringback.db.session import transaction

    teams = "manager" in service.ROLES
    quick = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    out: dict[str, list[tuple[int, str]]] = {"owner": [], "manager": [], "rep": []}
    people = [("owner", "owner", None)]
    if teams:
        people.append(("manager", "manager", 0))
    people += [(f"rep{i}", "rep" if teams else "owner", i // TEAM_SIZE) for i in range(n)]
    with transaction(url) as session:
        for email, role, team_no in people:
            team = None
            if teams and team_no is not None:
                team = service.team_named(session, f"Team {team_no + 1}")
            user = User(
                email=f"{email}@example.com",
                name=email.capitalize(),
                role=role,
                password_hash=quick,  # nobody signs in with it: tokens only
                team_id=team.id if team is not None else None,
            )
            session.add(user)
            session.flush()
            view = service.UserView.of(user)
            kind = email.rstrip("0123456789")
            out[kind].append((user.id, sessions.create_token(session, view, "bench")[1]))
    return out


def build(url: str, scale: float, rep_ids: list[int], seed: int = 16) -> dict[str, Any]:
    """Fill the database; the ids and values the routes are asked with."""
    from sqlalchemy import func, select, text

    from ringback.contacts.models import Contact
    from ringback.db.session import get_engine

    rng = random.Random(seed)
    sizes = {
        "contacts": max(100, int(CONTACTS * scale)),
        "interactions": max(1000, int(INTERACTIONS * scale)),
        "follow_ups": max(50, int(FOLLOW_UPS * scale)),
    }
    n = sizes["contacts"]

    def rep_of_contact(contact_id: int) -> int:
        return rep_ids[(contact_id - 1) % len(rep_ids)]

    with get_engine(url).begin() as conn:
        tables = ("contacts", "interactions", "outreach_events", "follow_ups")
        owned = {t: "owner_id" in _columns(conn, t) for t in tables}
        contact_ids = list(range(1, n + 1))
        contacts = (
            {**row, "id": cid} for cid, row in zip(contact_ids, _contacts(rng, n), strict=True)
        )
        by_id = (lambda r: rep_of_contact(r["id"])) if owned["contacts"] else None
        _copy(conn, "contacts", _owned(contacts, by_id))
        _copy(conn, "back_story_items", (_story(rng, cid) for cid in contact_ids[::2]))

        def by_contact(row: dict[str, Any]) -> int:
            return rep_of_contact(row["contact_id"])

        def owner(table: str) -> Any:
            return by_contact if owned[table] else None

        rows = timeline(contact_ids, sizes["interactions"])
        _copy(conn, "interactions", _owned(rows, owner("interactions")))
        # The same timeline again (same seed), as the statistics see it: never all in memory.
        outreach = random.Random(seed + 2)
        events = (
            _outreach(row, i, outreach)
            for i, row in enumerate(timeline(contact_ids, sizes["interactions"]))
        )
        left = (e for e in events if e is not None)
        _copy(conn, "outreach_events", _owned(left, owner("outreach_events")))
        tasks = (
            {
                "contact_id": rng.choice(contact_ids),
                "title": "Call back about the proposal",
                "created_at": text_time(rng),
                "updated_at": text_time(rng),
            }
            for _ in range(sizes["follow_ups"])
        )
        _copy(conn, "follow_ups", _owned(tasks, owner("follow_ups")))
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval('contacts_id_seq', (SELECT max(id) FROM contacts))"))
        newest = conn.execute(select(func.max(Contact.updated_at))).scalar_one()
    if get_engine(url).dialect.name == "postgresql":
        # What autovacuum leaves after a bulk load (its insert threshold): statistics and
        # the visibility map, without which no index-only scan skips the table.
        with get_engine(url).connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    return {**sizes, "deep_after": n // 2, "newest": newest}


def timeline(contact_ids: list[int], n: int, seed: int = 17) -> Iterator[dict[str, Any]]:
    """``n`` interactions over the contacts, the same every time for one seed."""
    for row in _interactions(random.Random(seed), contact_ids, n):
        row["updated_at"] = row["occurred_at"]
        yield row


def text_time(rng: random.Random) -> Any:
    from bench.web_data import _when

    return _when(rng)


def fill(path: str, built: dict[str, Any], contact_id: int) -> str:
    """A route's path with this database's values."""
    from datetime import timedelta

    from ringback.web.api.common import encode_cursor

    since = (built["newest"] - timedelta(days=3)).isoformat().replace("+00:00", "Z")
    return path.format(
        deep_cursor=encode_cursor(built["deep_after"]),
        since=since,
        contact_id=contact_id,
    )


def client_for(settings: Any) -> Any:
    from fastapi.testclient import TestClient

    from ringback.web import create_app

    client = TestClient(
        create_app(settings, prepare_database=False),
        base_url="http://127.0.0.1",
        raise_server_exceptions=False,
    )
    client.__enter__()
    return client


def time_routes(
    client: Any, built: dict[str, Any], reps: list[tuple[int, str]], runs: int
) -> list[dict[str, Any]]:
    """p50/p95 per route; each round asked by the next rep, for one of their contacts."""
    times: dict[str, list[float]] = {label: [] for label, _, _ in ROUTES}
    status: dict[str, set[int]] = {label: set() for label, _, _ in ROUTES}
    for n in range(3 + runs):
        rep_index = n % len(reps)
        _, token = reps[rep_index]
        contact_id = 1 + rep_index + len(reps) * (n % 50)  # round-robin: this rep's contact
        headers = {"Authorization": f"Bearer {token}"}
        for label, path, _target in ROUTES:
            t0 = time.perf_counter()
            answer = client.get(fill(path, built, contact_id), headers=headers)
            elapsed = (time.perf_counter() - t0) * 1000
            status[label].add(answer.status_code)
            if n >= 3:
                times[label].append(elapsed)
    rows = []
    for label, path, target in ROUTES:
        p95 = pct(times[label], 95)
        ok = status[label] == {200}
        rows.append(
            {
                "route": label,
                "path": path,
                "status": sorted(status[label]),
                "p50_ms": round(pct(times[label], 50), 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(max(times[label]), 1),
                "verdict": ("met" if p95 < target else "MISSED") if ok else "NOT 200",
            }
        )
    return rows


def time_stats(client: Any, who: str, token: str, runs: int) -> dict[str, Any]:
    """``who``'s statistics, asked ``runs`` times after one warm-up."""
    headers = {"Authorization": f"Bearer {token}"}
    client.get(STATS_PATH, headers=headers)
    times, codes = [], set()
    for _ in range(runs):
        t0 = time.perf_counter()
        answer = client.get(STATS_PATH, headers=headers)
        times.append((time.perf_counter() - t0) * 1000)
        codes.add(answer.status_code)
        left = answer.json().get("voicemails_left") if answer.status_code == 200 else None
    return {
        "route": f"stats: {who}",
        "path": STATS_PATH,
        "status": sorted(codes),
        "voicemails_left": left,
        "p50_ms": round(pct(times, 50), 1),
        "max_ms": round(max(times), 1),
        "verdict": ("met" if max(times) < STATS_MS else "MISSED") if codes == {200} else "NOT 200",
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build, measure, and return every figure."""
    with tempfile.TemporaryDirectory(prefix="rb-bench-api-") as tmp:
        folder = Path(tmp)
        with database(not args.sqlite, folder) as url:
            users = add_reps(url, REPS)
            t0 = time.perf_counter()
            built = build(url, args.scale, [u for u, _ in users["rep"]])
            build_s = round(time.perf_counter() - t0, 1)
            client = client_for(settings_for(url, folder / "data"))
            stat_runs = max(3, args.runs // 5)
            try:
                lists = time_routes(client, built, users["rep"], args.runs)
                stats = [
                    time_stats(client, f"a manager of {TEAM_SIZE} reps", token, stat_runs)
                    for _, token in users["manager"]
                ]
                stats.append(
                    time_stats(client, f"the owner (all {REPS})", users["owner"][0][1], stat_runs)
                )
                if args.keep:
                    input(f"{url}\nThe database stays until Enter is pressed: ")
            finally:
                client.__exit__(None, None, None)
    sizes = {k: built[k] for k in ("contacts", "interactions", "follow_ups")}
    return {
        "backend": "sqlite" if args.sqlite else "postgresql",
        "reps": REPS,
        **sizes,
        "build_s": build_s,
        "runs": args.runs,
        "lists": lists,
        "stats": stats,
        "machine": machine(),
    }


def report(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (what docs/benchmarks.md shows)."""
    lines = [
        f"{result['backend']}: {result['reps']} reps, {result['contacts']:,} contacts, "
        f"{result['interactions']:,} interactions, {result['follow_ups']:,} follow-ups "
        f"(built in {result['build_s']} s); load {result['machine']['load_avg']}",
        "",
        "| endpoint | path | p50 ms | p95 ms | max ms | target | verdict |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in result["lists"]:
        lines.append(
            f"| {r['route']} | `{r['path']}` | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} "
            f"| p95 < {LIST_P95_MS:.0f} ms | {r['verdict']} |"
        )
    for s in result["stats"]:
        lines.append(
            f"| {s['route']} | `{s['path']}` | {s['p50_ms']} | – | {s['max_ms']} "
            f"| max < {STATS_MS:.0f} ms | {s['verdict']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Examples:\n  python bench/bench_api.py --scale 0.01\n  python bench/bench_api.py --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (default 1)")
    parser.add_argument("--runs", type=int, default=30, help="rounds of every list route")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--keep", action="store_true", help="print the database URL and wait (to profile it)"
    )
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result, default=str, indent=2) if args.json else report(result))
    missed = [r for r in [*result["lists"], *result["stats"]] if r["verdict"] != "met"]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
