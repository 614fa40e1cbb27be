"""How fast does `ringback --help` answer? Target: < 0.3 s (heavy libraries load lazily).

    python bench/bench_cli_startup.py [--runs 20] [--json]

Runs the installed console script in fresh processes and reports the median and worst
wall time, plus the same for a bare `python -c pass` so the figure can be read against
the interpreter's own start-up on this machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time


def _time(cmd: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    exe = shutil.which("ringback")
    cmd = [exe, "--help"] if exe else [sys.executable, "-m", "ringback", "--help"]
    help_times = _time(cmd, args.runs)
    bare = _time([sys.executable, "-c", "pass"], args.runs)
    result = {
        "command": " ".join(cmd),
        "runs": args.runs,
        "help_median_s": round(statistics.median(help_times), 4),
        "help_max_s": round(max(help_times), 4),
        "python_startup_median_s": round(statistics.median(bare), 4),
        "target_s": 0.3,
        "passed": statistics.median(help_times) < 0.3,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key:>24}: {value}")
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
