"""Twilio webhook performance (issue 4, section 5): `ringback serve` on loopback, load
from this (second) process.

    python bench/bench_twilio.py voice    [--rate 500] [--seconds 10] [--connections 32]
    python bench/bench_twilio.py peak     [--seconds 5] [--connections 32]
    python bench/bench_twilio.py callback [--rate 20] [--seconds 15] [--recording-seconds 30]
    python bench/bench_twilio.py all      (each of the above)
    common: [--json] [--port N] [--quick] [--postgres [ADMIN_URL]]

``--postgres`` runs the server on a scratch PostgreSQL database (the team deployment)
instead of a fresh SQLite file; ADMIN_URL defaults to the local server as ``postgres``.

The server is the real thing: ``python -m ringback serve --host 127.0.0.1 --port N`` in a
child process (uvicorn on h11, uvloop when installed), a fresh SQLite database in
a temporary data directory, mail to the default Maildir. Every request carries a valid
``X-Twilio-Signature`` computed with the twilio library's validator (a different CallSid
and caller per request for the voice webhook), so the server does the full signature
check on each; the client is a small asyncio HTTP/1.1 keep-alive client (no third-party
load tool), so its own cost per request is a few microseconds.

voice:    open loop at ``--rate`` requests/s spread over ``--connections`` keep-alive
          connections, for ``--seconds``. Latency is measured from each request's
          *scheduled* send time to the last byte of its TwiML, so a stalled server cannot
          hide queueing (no coordinated omission). Target: sustains ≥ 500/s, p99 < 50 ms.
peak:     closed loop, every connection sending back to back: the most requests/s the
          server gives on this machine, with its latency at that load.
callback: a loopback HTTP server (in this process) stands in for Twilio's recording
          storage, checking the basic-auth credentials and serving real 8 kHz voicemails
          (``bench/voicemail_corpus.py``); RecordingStatusCallbacks (distinct
          RecordingSids) are posted at ``--rate``/s once the server's worker is
          transcribing, and the callback's response time is measured while the Whisper
          pipeline runs. Target: p99 < 100 ms.

Exits non-zero when a measured target is missed. The load average is printed: other
developers share the machine's 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from twilio.request_validator import RequestValidator  # noqa: E402

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-token-0123456789abcdef0123"
OWNER = "+14155550199"
TARGETS = {"voice_rate": 500.0, "voice_p99_ms": 50.0, "callback_p99_ms": 100.0}
VOICE = "/telephony/twilio/voice"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(latencies: list[float], wall: float, errors: int) -> dict[str, Any]:
    ms = [x * 1000 for x in latencies]
    return {
        "requests": len(ms),
        "errors": errors,
        "seconds": round(wall, 2),
        "rps": round(len(ms) / wall, 1) if wall else 0.0,
        "p50_ms": round(percentile(ms, 50), 2),
        "p90_ms": round(percentile(ms, 90), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "max_ms": round(max(ms), 2) if ms else None,
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
    }


# -- the server under test ----------------------------------------------------------


@contextmanager
def ringback_serve(
    data_dir: Path, port: int, database_url: str | None = None, **env_extra: str
) -> Iterator[subprocess.Popen[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "RINGBACK_DATA_DIR": str(data_dir),
        "RINGBACK_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "RINGBACK_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "RINGBACK_OWNER_NAME": "Victor Hale",
        "RINGBACK_TWILIO_API_HOSTS": "127.0.0.1",  # the loopback recording host
        "HF_HUB_OFFLINE": "1",
        **env_extra,
    }
    for name in ("RINGBACK_DATABASE_URL", "RINGBACK_PUBLIC_URL", "RINGBACK_SMTP_HOST"):
        env.pop(name, None)
    if database_url:
        env["RINGBACK_DATABASE_URL"] = database_url
    log = open(data_dir / "server.log", "w")  # noqa: SIM115  (closed below)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ringback", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "ringback serve did not start:\n" + (data_dir / "server.log").read_text()
                    ) from None
                time.sleep(0.05)
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


# -- a tiny HTTP/1.1 keep-alive client ------------------------------------------------


def signed_request(
    port: int, path: str, params: dict[str, str], validator: RequestValidator
) -> bytes:
    url = f"http://127.0.0.1:{port}{path}"
    body = urlencode(params).encode()
    signature = validator.compute_signature(url, params)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"X-Twilio-Signature: {signature}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return status, body


def voice_requests(port: int, n: int) -> list[bytes]:
    validator = RequestValidator(AUTH_TOKEN)
    out = []
    for i in range(n):
        caller = f"+1212555{i % 10000:04d}"
        params = {
            "AccountSid": ACCOUNT_SID,
            "CallSid": "CA" + f"{i:032x}",
            "From": caller,
            "Caller": caller,
            "To": OWNER,
            "Called": OWNER,
            "CallStatus": "ringing",
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
        }
        out.append(signed_request(port, VOICE, params, validator))
    return out


async def open_loop(
    port: int, requests: list[bytes], rate: float, connections: int, check: bytes
) -> tuple[list[float], float, int]:
    """Send ``requests`` at ``rate``/s; latency from each one's scheduled time."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter() + 0.2

    async def lane(j: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in range(j, len(requests), connections):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            writer.write(requests[i])
            status, body = await read_response(reader)
            latencies.append(time.perf_counter() - due)
            if status != 200 or check not in body:
                errors += 1
        writer.close()

    await asyncio.gather(*(lane(j) for j in range(connections)))
    return latencies, time.perf_counter() - start, errors


async def closed_loop(
    port: int, requests: list[bytes], seconds: float, connections: int, check: bytes
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    stop = start + seconds

    async def lane(j: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = j
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            writer.write(requests[i % len(requests)])
            status, body = await read_response(reader)
            latencies.append(time.perf_counter() - t0)
            if status != 200 or check not in body:
                errors += 1
            i += connections
        writer.close()

    await asyncio.gather(*(lane(j) for j in range(connections)))
    return latencies, time.perf_counter() - start, errors


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop

        return uvloop.new_event_loop()
    except ImportError:
        return asyncio.new_event_loop()


def run(coro: Any) -> Any:
    loop = new_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


# -- voice ----------------------------------------------------------------------------


def bench_voice(args: argparse.Namespace, port: int) -> dict[str, Any]:
    n = int(args.rate * args.seconds)
    requests = voice_requests(port, n)
    # Warm up: first requests import and build what later ones reuse.
    run(open_loop(port, requests[:200], 200.0, 4, b"<Record"))
    latencies, wall, errors = run(
        open_loop(port, requests, args.rate, args.connections, b"<Record")
    )
    out = summary(latencies, wall, errors)
    out.update(offered_rps=args.rate, connections=args.connections)
    out["met"] = bool(
        errors == 0
        and out["rps"] >= TARGETS["voice_rate"] * 0.98
        and out["p99_ms"] < TARGETS["voice_p99_ms"]
    )
    return out


def bench_peak(args: argparse.Namespace, port: int) -> dict[str, Any]:
    requests = voice_requests(port, 5000)
    run(closed_loop(port, requests, 1.0, args.connections, b"<Record"))
    latencies, wall, errors = run(
        closed_loop(port, requests, args.peak_seconds, args.connections, b"<Record")
    )
    out = summary(latencies, wall, errors)
    out["connections"] = args.connections
    return out


# -- callback while transcribing -----------------------------------------------------


@contextmanager
def storage(recordings: dict[str, bytes]) -> Iterator[int]:
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = recordings.get(self.path.rsplit("/", 1)[-1].removesuffix(".wav"))
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                body = b""
            elif body is None:
                self.send_response(404)
                body = b""
            else:
                self.send_response(200)
                self.send_header("Content-Type", "audio/x-wav")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def voicemail_states(url: str) -> dict[str, int]:
    """Voicemails per pipeline status, read straight from the server's database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("select status, count(*) from voicemails group by status")
            ).all()
    except SQLAlchemyError:
        return {}
    finally:
        engine.dispose()
    return {str(k): int(v) for k, v in rows}


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run (the server migrates it), dropped after."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"ringback_bench_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_callback(
    args: argparse.Namespace, data_dir: Path, port: int, database_url: str
) -> dict[str, Any]:
    from bench import voicemail_corpus

    if not voicemail_corpus.available():
        raise SystemExit("callback bench needs asterisk-core-sounds-en-wav and the FSDD recordings")
    n = max(10, int(args.callback_rate * args.callback_seconds))
    wav = [voicemail_corpus.build(args.recording_seconds, seed=100 + i % 8).wav for i in range(8)]
    sids = ["RE" + f"{0xBE00 + i:032x}" for i in range(n + 3)]
    recordings = {sid: wav[i % len(wav)] for i, sid in enumerate(sids)}
    validator = RequestValidator(AUTH_TOKEN)
    query = urlencode({"line": "personal", "from": "+12125550142", "to": OWNER})
    path = f"/telephony/twilio/recording?{query}"
    with storage(recordings) as media_port:

        def callback(sid: str) -> bytes:
            params = {
                "AccountSid": ACCOUNT_SID,
                "CallSid": "CA" + sid[2:],
                "RecordingSid": sid,
                "RecordingUrl": f"http://127.0.0.1:{media_port}/2010-04-01/Accounts/"
                f"{ACCOUNT_SID}/Recordings/{sid}",
                "RecordingStatus": "completed",
                "RecordingDuration": str(int(args.recording_seconds)),
                "RecordingChannels": "1",
                "RecordingSource": "RecordVerb",
            }
            return signed_request(port, path, params, validator)

        requests = [callback(sid) for sid in sids]
        # Start the worker: the first recordings load the model and start transcribing.
        warm = run(open_loop(port, requests[:3], 10.0, 1, b'"accepted"'))
        db = database_url
        deadline = time.monotonic() + 120
        while voicemail_states(db).get("processing", 0) == 0:
            if time.monotonic() > deadline:
                raise RuntimeError("the worker never started transcribing")
            time.sleep(0.1)
        before = voicemail_states(db)
        latencies, wall, errors = run(
            open_loop(port, requests[3:], args.callback_rate, 4, b'"accepted"')
        )
        after = voicemail_states(db)
    out = summary(latencies, wall, errors + warm[2])
    out.update(
        database="postgresql" if database_url.startswith("postgresql") else "sqlite",
        offered_rps=args.callback_rate,
        recording_seconds=args.recording_seconds,
        voicemails_before=before,
        voicemails_after=after,
        transcribing_throughout=after.get("processing", 0) > 0,
    )
    out["met"] = bool(
        out["errors"] == 0
        and out["p99_ms"] < TARGETS["callback_p99_ms"]
        and out["transcribing_throughout"]
    )
    return out


# -- main ------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    def version(name: str) -> str | None:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return None

    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **{p: version(p) for p in ("uvicorn", "fastapi", "uvloop", "httptools", "twilio")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["voice", "peak", "callback", "all"])
    parser.add_argument("--rate", type=float, default=500.0, help="voice: offered requests/s")
    parser.add_argument("--seconds", type=float, default=10.0, help="voice: duration")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--peak-seconds", type=float, default=5.0)
    parser.add_argument("--callback-rate", type=float, default=20.0)
    parser.add_argument("--callback-seconds", type=float, default=15.0)
    parser.add_argument("--recording-seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument(
        "--postgres",
        metavar="ADMIN_URL",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1/postgres",
        help="run the server on a scratch PostgreSQL database created through ADMIN_URL "
        "(default: a fresh SQLite file)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.peak_seconds, args.callback_seconds = 2.0, 1.0, 2.0
    results: dict[str, Any] = {"machine": machine()}
    with (
        tempfile.TemporaryDirectory(prefix="ringback-bench-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        data_dir = Path(tmp)
        port = args.port or free_port()
        database_url = (
            stack.enter_context(scratch_postgres(args.postgres))
            if args.postgres
            else f"sqlite:///{data_dir / 'ringback.db'}"
        )
        with ringback_serve(data_dir, port, database_url if args.postgres else None):
            if args.what in ("voice", "all"):
                results["voice"] = bench_voice(args, port)
            if args.what in ("peak", "all"):
                results["peak"] = bench_peak(args, port)
            if args.what in ("callback", "all"):
                results["callback"] = bench_callback(args, data_dir, port, database_url)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"machine: {results['machine']}")
        for name in ("voice", "peak", "callback"):
            if name in results:
                r = results[name]
                met = "" if "met" not in r else ("  MET" if r["met"] else "  MISSED")
                print(
                    f"{name:9s} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:.2f} ms  "
                    f"p99 {r['p99_ms']:.2f} ms  max {r['max_ms']} ms  errors {r['errors']}{met}"
                )
    if any(r.get("met") is False for r in results.values() if isinstance(r, dict)):
        sys.exit(1)


if __name__ == "__main__":
    main()
