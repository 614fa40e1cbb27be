"""Speed and memory of ``ringback call analyze`` on a long stereo call (issue 5 §5).

Builds a two-party stereo call from real speech (``bench/call_corpus.py``: Asterisk
prompts, turns, stories, backchannels, interruptions and silences, 8 kHz 16-bit), then
runs the real command in a fresh process, as a user would, and reports wall time as a
fraction of the call's length, CPU time, the child's peak RSS (VmHWM, polled from /proc),
and the talk-share error against the truth of the build. Target: ≤ 0.25× real time on 2 cores, bounded memory.

    python bench/bench_call.py            # 30 minutes
    python bench/bench_call.py --quick    # 5 minutes
    python bench/bench_call.py --mono --minutes 10   # two real voices on one channel

``--mono`` times the mono fallback instead: a call of two different real voices mixed
into one channel (``bench/mono_corpus.py``: Allison's prompts and an FSDD speaker), where
the voices are told apart by the speaker encoder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import call_corpus, mono_corpus

ROOT = Path(__file__).resolve().parents[1]


def _vm_hwm_kb(pid: int) -> int:
    """Peak resident memory of a running process, from /proc (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--quick", action="store_true", help="a 5-minute call instead")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--mono", action="store_true", help="two voices on one channel")
    args = parser.parse_args()
    minutes = 5.0 if args.quick else args.minutes
    if not call_corpus.available() or (args.mono and not mono_corpus.available()):
        sys.exit("needs the Asterisk prompts (and FSDD for --mono): run scripts/test-deps")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "call.wav"
        truth: call_corpus.Truth | mono_corpus.Truth
        if args.mono:
            truth = mono_corpus.write(path, minutes * 60, ("allison", "jackson"), seed=args.seed)
        else:
            truth = call_corpus.write(path, minutes * 60, seed=args.seed)
        env = {**os.environ, "RINGBACK_DATA_DIR": tmp}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p
        )
        load = os.getloadavg()[0]
        out, err = Path(tmp) / "out.json", Path(tmp) / "err.txt"
        started = time.perf_counter()
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ringback", "call", "analyze", str(path), "--json"],
                stdout=stdout,
                stderr=stderr,
                env=env,
            )
            # The child's own high-water mark, read while it runs: getrusage's figure for
            # children would also count the pages this process (holding the built call)
            # shared with the child when it was forked.
            peak_kb = 0
            while proc.poll() is None:
                peak_kb = max(peak_kb, _vm_hwm_kb(proc.pid))
                time.sleep(0.2)
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            sys.exit(f"analyze failed: {err.read_text()}")
        data = json.loads(out.read_text())
    seconds = minutes * 60
    figures: dict[str, object] = {
        "mode": "mono" if args.mono else "stereo",
        "call_seconds": seconds,
        "speech_seconds": round(truth.talk["rep"] + truth.talk["customer"], 1),
        "wall_seconds": round(wall, 1),
        "real_time_factor": round(wall / seconds, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "talk_share_rep": data["talk_share_rep"],
        "talk_share_truth": round(truth.talk_share_rep, 4),
        "talk_share_error_points": round(
            100 * abs(data["talk_share_rep"] - truth.talk_share_rep), 2
        ),
        "load_average": round(load, 2),
        "target_real_time_factor": 0.25,
    }
    if isinstance(truth, call_corpus.Truth):
        # Planted interruptions are all the rep's; the customer's are false alarms.
        figures["rep_interruptions_found_planted"] = [
            sum(1 for e in data["interruptions"] if e["speaker"] == "rep"),
            len(truth.interruptions),
        ]
        figures["customer_interruptions_found"] = sum(
            1 for e in data["interruptions"] if e["speaker"] == "customer"
        )
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        print(f"{key:26} {value}")


if __name__ == "__main__":
    main()
