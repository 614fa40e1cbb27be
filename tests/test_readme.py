"""The README's quick start cannot rot: its two commands are the ones CI and this test run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from readme_commands import quick_start_commands  # noqa: E402


def test_quick_start_has_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2, commands
    start, test = commands
    assert "ringback start" in start and "pip install" in start
    assert "scripts/check" in test and "pip install" in test and "scripts/test-deps" in test


def test_ci_runs_the_readme_test_command_verbatim():
    printed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "readme_commands.py"), "test"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == quick_start_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "readme_commands.py test" in ci and 'eval "$cmd"' in ci


def test_readme_parser_rejects_a_third_command():
    text = "## Quick start\n```bash\na\n```\n```bash\nb\n```\n```bash\nc\n```\n## Next\n"
    assert len(quick_start_commands(text)) == 3


@pytest.mark.slow
def test_start_command_works_on_a_fresh_clone(tmp_path):
    """Command (1), exactly as written, in a fresh clone with its own virtual environment."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout: nothing to clone")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    env_dir = tmp_path / "venv"
    # System site-packages let pip find the dependencies already installed, so the test
    # exercises this project's own install step rather than re-downloading the world.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(env_dir),
        "RINGBACK_DATA_DIR": str(tmp_path / "data"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("RINGBACK_DATABASE_URL", None)
    start = quick_start_commands()[0]
    proc = subprocess.run(
        ["bash", "-c", start], cwd=clone, env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Ringback is ready" in proc.stdout
    assert (tmp_path / "data" / "ringback.db").exists()
    installed = subprocess.run(
        [str(bin_dir / "python"), "-c", "import ringback, sys; print(ringback.__file__)"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert str(env_dir) in installed, "command (1) must install the package it starts"
