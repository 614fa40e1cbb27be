"""What may come in: only plain files from the consume folder, only recordings a machine can
afford to decode, and a bad one never holds up the rest (issue 12, points 3 and 4)."""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update

from ringback.db.base import utcnow
from ringback.db.session import transaction
from ringback.voicemail.models import Voicemail, VoicemailStage
from ringback.voicemail.pipeline import RetryPolicy, Stage, VoicemailContext, ingest
from ringback.voicemail.pipeline.claims import HOST
from ringback.voicemail.pipeline.runner import INTERRUPTED
from tests.conftest import Cli
from tests.support.pipeline import Pipe, speech_8k, wav_bytes

REPO = Path(__file__).resolve().parents[1]


def crafted_wav(rate: int, bits: int, data: bytes, *, declared: int | None = None) -> bytes:
    """A PCM WAV whose header says what we like (``declared``: the data chunk's size)."""
    block = bits // 8
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * block, block, bits)
    size = len(data) if declared is None else declared
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", size)
    return b"RIFF" + struct.pack("<I", len(body) + len(data)) + body + data


def noise(n: int, dtype: str) -> bytes:
    rng = np.random.default_rng(12)
    if dtype == "u1":
        return rng.integers(100, 156, n).astype("u1").tobytes()
    return rng.integers(-3000, 3000, n).astype("<i2").tobytes()


# The probe's files: 64 KB at "1 Hz" (9 hours at 16 kHz: 2.2 GB), 256 KB of 8-bit at "1 Hz"
# (73 hours: 17 GB), 8-bit at a real rate but over the limit, and a header with no data.
CRAFTED = {
    "one-hertz.wav": (crafted_wav(1, 16, noise(32768, "<i2")), "4,000-192,000 Hz"),
    "eight-bit.wav": (crafted_wav(1, 8, noise(262144, "u1")), "4,000-192,000 Hz"),
    "too-long.wav": (crafted_wav(4000, 8, noise(262144, "u1")), "over the 1-minute limit"),
    "truncated.wav": (crafted_wav(8000, 16, b"\0" * 10, declared=960_000), "truncated"),
}


def _stored_hashes(data_dir: Path) -> set[str]:
    root = data_dir / "recordings"
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    return {hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _rows(url: str) -> dict[str, Voicemail]:
    with transaction(url) as session:
        return {r.original_filename or "": r for r in session.scalars(select(Voicemail))}


@pytest.mark.slow
def test_watch_never_follows_a_link_out_of_the_folder(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.wav"  # readable, and even a valid recording
    secret.parent.mkdir()
    secret.write_bytes(wav_bytes(speech_8k(3.0)))
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "shadow.wav").symlink_to(secret)
    os.mkfifo(drop / "pipe.wav")
    good = wav_bytes(speech_8k(3.5))
    (drop / "good.wav").write_bytes(good)

    result = cli("inbox", "watch", str(drop), "--once", "--interval", "0")
    assert result.exit_code == 0, result.output
    assert "good.wav: voicemail #1 done" in result.stdout
    # One reason per refused entry for the whole run (two polls), saying what it is.
    lines = result.stderr.splitlines()
    (link,) = [line for line in lines if line.startswith("shadow.wav:")]
    (fifo,) = [line for line in lines if line.startswith("pipe.wav:")]
    assert "is a symbolic link, not a regular file" in link
    assert "is a FIFO (named pipe), not a regular file" in fifo
    data_dir = Path(cli.env["RINGBACK_DATA_DIR"])
    assert _stored_hashes(data_dir) == {hashlib.sha256(good).hexdigest()}, "nothing else stored"
    assert list(_rows(cli.env["RINGBACK_DATABASE_URL"])) == ["good.wav"]
    assert (drop / "shadow.wav").is_symlink() and (drop / "pipe.wav").exists(), "left alone"
    assert (drop / "archive" / "good.wav").read_bytes() == good


def test_crafted_headers_are_refused_with_bounded_memory(db_url: str, tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for name, (data, _) in CRAFTED.items():
        (drop / name).write_bytes(data)
    env = {
        **os.environ,
        "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
        "RINGBACK_DATA_DIR": str(tmp_path / "data"),
        "RINGBACK_DATABASE_URL": db_url,
        "RINGBACK_MAX_VOICEMAIL_MINUTES": "1",
    }
    cmd = [sys.executable, "-m", "ringback", "inbox", "watch", str(drop), "--once"]
    cmd += ["--interval", "0"]

    # A small launcher runs the command and reports its peak memory. Measured straight
    # from this process, the child's peak would include the pytest process it was forked
    # from (all its loaded models) before exec; the launcher is small when it forks. Its
    # address-space cap keeps the unfixed code from taking this machine.
    launcher = (
        "import resource, subprocess, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(f'PEAK_KIB={peak}', flush=True)\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", launcher, *cmd],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=600,
    )
    output = proc.stdout.decode()
    assert proc.returncode == 0, output
    peak_kib = int(output.rsplit("PEAK_KIB=", 1)[1].split()[0])
    peak_mb = peak_kib / 1024  # KiB on Linux
    print(f"peak memory {peak_mb:.0f} MB")
    assert peak_mb < 400, f"peak memory {peak_mb:.0f} MB"
    for name, (_, reason) in CRAFTED.items():
        assert f"{name}: voicemail #" in output and "rejected" in output, output
        text = (drop / "failed" / f"{name}.reason.txt").read_text()
        assert reason in text, text
    rows = _rows(db_url)
    assert {n: r.status for n, r in rows.items()} == dict.fromkeys(CRAFTED, "rejected")


def _leave_as_killed(url: str, voicemail_id: int, *, attempts: int) -> None:
    """The rows a run killed during decode leaves behind (the claim of a dead process)."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    with transaction(url) as session:
        session.execute(
            update(Voicemail)
            .where(Voicemail.id == voicemail_id)
            .values(
                status="processing",
                claimed_by=f"{HOST}:{dead}:deadbeef",
                claimed_until=utcnow() + timedelta(hours=1),
            )
        )
        session.add(
            VoicemailStage(
                voicemail_id=voicemail_id,
                stage="decode",
                position=1,
                status="running",
                attempts=attempts,
                error=INTERRUPTED if attempts > 1 else None,
            )
        )


@pytest.mark.slow
def test_a_stuck_message_never_keeps_new_files_waiting(cli: Cli, tmp_path: Path) -> None:
    url = cli.env["RINGBACK_DATABASE_URL"]
    data_dir = Path(cli.env["RINGBACK_DATA_DIR"])
    stuck = {}
    for name, attempts in (("one-hertz.wav", 1), ("eight-bit.wav", 2)):
        stored = ingest(
            CRAFTED[name][0], source="watch", url=url, data_dir=data_dir, filename=name, region="US"
        )
        _leave_as_killed(url, stored.id, attempts=attempts)
        stuck[name] = stored.id
    drop = tmp_path / "drop"
    drop.mkdir()
    new = [f"new-{n}.wav" for n in range(3)]
    for n, name in enumerate(new):
        (drop / name).write_bytes(wav_bytes(speech_8k(3.0 + n / 2)))

    result = cli("inbox", "watch", str(drop), "--once", "--interval", "0")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (drop / "archive").iterdir()) == new
    rows = _rows(url)
    assert [rows[n].status for n in new] == ["done"] * 3
    # Killed once during decode: decoded again, and refused at once by its header.
    first = rows["one-hertz.wav"]
    assert first.status == "rejected" and "4,000-192,000 Hz" in (first.status_reason or "")
    # Killed twice the same way: parked as failed with its reason, not tried a third time.
    second = rows["eight-bit.wav"]
    assert (second.status, second.status_reason) == (
        "failed",
        "decode: interrupted 2 times; giving up",
    )
    with transaction(url) as session:
        started = {
            r.voicemail_id: r.started_at
            for r in session.scalars(select(VoicemailStage).where(VoicemailStage.stage == "decode"))
        }
    assert max(started[rows[n].id] for n in new) < started[stuck["one-hertz.wav"]], (
        "the new files were taken before the leftover was looked at"
    )


class SameErrorStage(Stage):
    """Fails the way a recording that exhausts memory does: the same error every time."""

    name = "decode"

    def __init__(self) -> None:
        self.calls = 0

    def run(self, ctx: VoicemailContext) -> VoicemailContext:
        self.calls += 1
        raise MemoryError("Unable to allocate 2.15 GiB for an array")


def test_the_same_failure_twice_parks_the_message(db_url: str, tmp_path: Path) -> None:
    pipe = Pipe(db_url, tmp_path)
    stage = SameErrorStage()
    result = pipe.ingest(
        wav_bytes(speech_8k(3.0)),
        stages=[stage],
        retry=RetryPolicy(max_attempts=4, base_delay=0.5),
    )
    assert result.status == "failed"
    assert result.status_reason == (
        "decode failed the same way twice: MemoryError: Unable to allocate 2.15 GiB for an array"
    )
    assert stage.calls == 2 and pipe.sleeps == [0.5], "not a third and fourth time"
    assert pipe.stage_rows(result.id)["decode"].attempts == 2


def test_resume_leaves_a_message_another_worker_holds(cli: Cli) -> None:
    url = cli.env["RINGBACK_DATABASE_URL"]
    data_dir = Path(cli.env["RINGBACK_DATA_DIR"])
    held = ingest(
        wav_bytes(speech_8k(3.0)), source="watch", url=url, data_dir=data_dir, region="US"
    )
    with transaction(url) as session:  # a live worker elsewhere, its lease 30 minutes ahead
        session.execute(
            update(Voicemail)
            .where(Voicemail.id == held.id)
            .values(
                claimed_by="other-host:4242:feedbeef",
                claimed_until=utcnow() + timedelta(minutes=30),
            )
        )
    result = cli("inbox", "resume")
    assert result.exit_code == 0, result.output
    assert f"voicemail #{held.id}: in progress elsewhere" in result.stdout
    assert "0 resumed" in result.stdout and "1 in progress elsewhere" in result.stdout
    assert _rows(url)[""].status == "received", "left to its worker"


def test_decoding_stops_once_it_passes_the_limit(tmp_path: Path) -> None:
    """A compressed stream whose header understates its length (as if it said 1 s) is
    cut off as soon as the decoded audio passes the limit, not decoded to the end."""
    import av

    from ringback.speech.bounded import Samples, TooLong, resample_into
    from tests.support.pipeline import wav49

    path = tmp_path / "gsm.wav"
    path.write_bytes(wav49(90.0))  # GSM 6.10 in WAV: 90 s
    samples = Samples(estimate_seconds=1.0, max_seconds=60.0)
    with av.open(str(path)) as container, pytest.raises(TooLong) as refused:
        resample_into(samples, container.decode(container.streams.audio[0]))
    assert "over the 60-minute limit" not in refused.value.reason
    assert "over the 1-minute limit" in refused.value.reason
    assert samples.size <= 60 * 16_000, "never more than the limit held"
