"""The tracking benchmark runs end to end on a small scale (figures live in
docs/benchmarks.md; no timing is asserted here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_tracking_small_run_reports_its_figures() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_tracking.py"), "--backend", "sqlite",
         "--rows", "3000", "--log-rows", "500", "--rounds", "1", "--json"],
        capture_output=True, text=True, timeout=300, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    [result] = json.loads(proc.stdout)
    assert result["backend"] == "sqlite" and result["rows"] == 3000
    assert result["inserted"] == 500 and result["duplicates"] == 0
    assert result["stats_best_s"] > 0 and result["log_seconds"] > 0
