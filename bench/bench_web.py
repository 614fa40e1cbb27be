"""Web app page times with 10,000 contacts (issue 15 §6). Targets: every page's server time
p95 < 150 ms; a voicemail page's first contentful paint in Chromium < 1 s on loopback.

    python bench/bench_web.py [--postgres] [--runs 40] [--loads 10] [--no-browser] [--json]
                              [--contacts 10000] [--interactions 100000] [--voicemails 5000]

Builds a fresh database (SQLite: a file in a temporary folder; ``--postgres``: a scratch
database created on 127.0.0.1:5432 and dropped afterwards) with ``bench/web_data.py``,
adds a user and signs in through the real sign-in form.

Server time: each route of :data:`ROUTES` is requested in process through Starlette's
``TestClient`` against ``create_app`` (the ASGI app with its middleware, sessions, CSRF,
templates and database; no sockets), timed from the request sent to the body read; a
warm-up of 3 requests per route first, then ``--runs`` requests per route, interleaved
round-robin so a burst of machine load hits every route alike; p50 and p95 per route.

First paint: ``python -m ringback serve`` on a loopback port on the same database, and
Debian's Chromium (Playwright, ``executable_path=/usr/bin/chromium``, the flags of
tests/support/browser.py) signed in, loading the voicemail page ``--loads`` times;
``first-contentful-paint`` from ``performance.getEntriesByType('paint')``.

A page not built on this branch (answering 404) is reported as such, never as met. To
measure a new page, add one line to :data:`ROUTES`. The machine's load is printed: other
developers share its 2 cores.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.web_data import Built, build  # noqa: E402

# (label, path): the path is filled in from bench.web_data.Built. One line per page.
ROUTES: tuple[tuple[str, str], ...] = (
    ("Today", "/"),
    ("Contacts", "/contacts"),
    ("Contacts: search", "/contacts?q={query}"),
    ("Contacts: a deep page", "/contacts?page={contacts_page}"),
    ("A contact", "/contacts/{contact_id}"),
    ("Inbox", "/inbox"),
    ("Inbox: a deep page", "/inbox?page={inbox_page}"),
    ("A voicemail", "/inbox/{voicemail_id}"),
    ("Calls", "/calls"),
    ("Coach", "/coach"),
    ("Stats", "/stats"),
    ("Settings", "/settings"),
)
P95_MS = 150.0
PAINT_MS = 1000.0
PG_ADMIN = os.environ.get(
    "RINGBACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
EMAIL, PASSWORD = "bench@example.com", "correct horse battery staple"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was."""
    return {
        "cpus": os.cpu_count(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the ⌈q/100 · n⌉-th smallest value."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


@contextmanager
def database(postgres: bool, folder: Path) -> Iterator[str]:
    """A fresh, migrated database's URL: a SQLite file in ``folder``, or a scratch
    PostgreSQL database (never the admin database's own tables), dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from ringback.db.migrate import upgrade
    from ringback.db.session import get_engine

    admin, name = None, f"ringback_bench_web_{uuid.uuid4().hex[:10]}"
    if postgres:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{folder / 'ringback.db'}"
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def settings_for(url: str, data_dir: Path) -> Any:
    """The app's settings for the bench database (no .env read)."""
    from ringback.config import Settings

    return Settings(
        _env_file=None,
        database_url=url,
        data_dir=data_dir,  # type: ignore[call-arg]
        timezone="America/New_York",
        owner_name="Dana Wells",
        owner_email="dana@example.com",
        followup_sweep_minutes=0,
    )


def prepare(url: str, data_dir: Path, sizes: dict[str, int]) -> Built:
    """The user, then the data (timed separately: it is not what is measured)."""
    from ringback.accounts import service
    from ringback.db.session import transaction

    with transaction(url) as session:
        owner = service.add_user(session, EMAIL, PASSWORD, name="Dana Wells")
    return build(url, data_dir, owner_id=owner.id, **sizes)


def paths(built: Built) -> list[tuple[str, str]]:
    """:data:`ROUTES` with this database's ids and terms filled in."""
    values = asdict(built)
    return [(label, path.format(**values)) for label, path in ROUTES]


def signed_in_client(settings: Any) -> Any:
    """A TestClient on ``create_app(settings)``, signed in through the form."""
    from fastapi.testclient import TestClient

    from ringback.web import create_app
    from ringback.web.server import settle_heap

    client = TestClient(
        create_app(settings, prepare_database=False),
        base_url="http://127.0.0.1",
        raise_server_exceptions=False,
    )
    settle_heap()  # as `ringback serve` does once its app is built
    client.__enter__()
    token = CSRF_RE.search(client.get("/signin").text)
    assert token, "no CSRF token on the sign-in page"
    form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    answer = client.post("/signin", data=form, follow_redirects=False)
    assert answer.status_code == 303, f"sign-in failed: {answer.status_code}"
    return client


def server_times(settings: Any, built: Built, runs: int, warmup: int = 3) -> list[dict[str, Any]]:
    """p50/p95 per route, in process; requests interleaved round-robin across routes."""
    client = signed_in_client(settings)
    routes = paths(built)
    times: dict[str, list[float]] = {path: [] for _, path in routes}
    status: dict[str, int] = {}
    try:
        for n in range(warmup + runs):
            for _, path in routes:
                t0 = time.perf_counter()
                answer = client.get(path, headers={"accept": "text/html"})
                elapsed = (time.perf_counter() - t0) * 1000
                status[path] = answer.status_code
                if n >= warmup:
                    times[path].append(elapsed)
    finally:
        client.__exit__(None, None, None)
    rows = []
    for label, path in routes:
        p95 = pct(times[path], 95)
        verdict = "met" if p95 < P95_MS else "MISSED"
        if status[path] != 200:
            verdict = f"HTTP {status[path]}" + (": not built here" if status[path] == 404 else "")
        rows.append(
            {
                "route": label,
                "path": path,
                "status": status[path],
                "p50_ms": round(pct(times[path], 50), 1),
                "p95_ms": round(p95, 1),
                "max_ms": round(max(times[path]), 1),
                "verdict": verdict,
            }
        )
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(url: str, data_dir: Path, log: Path) -> Iterator[str]:
    """``ringback serve`` on a free loopback port, on the bench database."""
    import httpx

    port = _free_port()
    env = {
        **os.environ,
        "RINGBACK_DATABASE_URL": url,
        "RINGBACK_DATA_DIR": str(data_dir),
        "RINGBACK_FOLLOWUP_SWEEP_MINUTES": "0",
    }
    cmd = [sys.executable, "-m", "ringback", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                if proc.poll() is not None:
                    raise RuntimeError(f"ringback serve stopped: {log.read_text()[-2000:]}")
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def first_paint(base: str, built: Built, loads: int) -> dict[str, Any]:
    """First contentful paint of the voicemail page in Chromium, ``loads`` loads."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("RINGBACK_TEST_CHROMIUM", "/usr/bin/chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(base + "/signin")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(base + "/")
        paints = []
        for _ in range(loads):
            page.goto(f"{base}/inbox/{built.voicemail_id}")
            fcp = page.evaluate(
                "new Promise(done => { const find = () => { const e = performance"
                ".getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');"
                " if (e) done(e.startTime); else requestAnimationFrame(find); }; find(); })"
            )
            paints.append(float(fcp))
        browser.close()
    p95 = pct(paints, 95)
    return {
        "loads": loads,
        "fcp_ms": [round(p, 1) for p in paints],
        "p50_ms": round(pct(paints, 50), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(max(paints), 1),
        "verdict": "met" if max(paints) < PAINT_MS else "MISSED",
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build, measure, and return every figure."""
    sizes = {
        "contacts": args.contacts,
        "interactions": args.interactions,
        "voicemails": args.voicemails,
    }
    with tempfile.TemporaryDirectory(prefix="rb-bench-web-") as tmp:
        folder = Path(tmp)
        data_dir = folder / "data"
        with database(args.postgres, folder) as url:
            t0 = time.perf_counter()
            built = prepare(url, data_dir, sizes)
            result: dict[str, Any] = {
                "backend": "postgresql" if args.postgres else "sqlite",
                **sizes,
                "build_s": round(time.perf_counter() - t0, 1),
                "runs": args.runs,
                "pages": server_times(settings_for(url, data_dir), built, args.runs),
            }
            if not args.no_browser:
                with serve(url, data_dir, folder / "server.log") as base:
                    result["first_paint"] = first_paint(base, built, args.loads)
    result["machine"] = machine()
    return result


def report(result: dict[str, Any]) -> str:
    """The figures as a Markdown table (what docs/benchmarks.md shows)."""
    lines = [
        f"{result['backend']}: {result['contacts']:,} contacts, "
        f"{result['interactions']:,} interactions, {result['voicemails']:,} voicemails "
        f"(built in {result['build_s']} s); load {result['machine']['load_avg']}",
        "",
        "| page | path | p50 ms | p95 ms | max ms | p95 < 150 ms |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in result["pages"]:
        lines.append(
            f"| {r['route']} | `{r['path']}` | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['max_ms']} | {r['verdict']} |"
        )
    paint = result.get("first_paint")
    if paint:
        lines.append(
            f"\nvoicemail page first contentful paint over {paint['loads']} loads: "
            f"p50 {paint['p50_ms']} ms, max {paint['max_ms']} ms "
            f"(target < 1000 ms: {paint['verdict']})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="a scratch PostgreSQL database")
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=100_000)
    parser.add_argument("--voicemails", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=40, help="timed requests per page")
    parser.add_argument("--loads", type=int, default=10, help="voicemail page loads in Chromium")
    parser.add_argument("--no-browser", action="store_true", help="server times only")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = run(args)
    print(json.dumps(result, indent=2) if args.json else report(result))
    missed = [r for r in result["pages"] if r["verdict"] == "MISSED"]
    slow_paint = result.get("first_paint", {}).get("verdict") == "MISSED"
    return 1 if missed or slow_paint else 0


if __name__ == "__main__":
    sys.exit(main())
