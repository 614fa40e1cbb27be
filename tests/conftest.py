"""Shared fixtures: a fresh database on SQLite and on the real PostgreSQL server, and a CLI runner."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ringback.config import get_settings
from tests.support.api import lite  # noqa: F401  (a fixture)
from tests.support.browser import browser, live_server, page, signed_in  # noqa: F401  (fixtures)
from tests.support.s3 import s3  # noqa: F401  (a fixture: moto's S3 for a test module)
from tests.support.team import world  # noqa: F401  (a fixture: the isolation tests' team)
from tests.support.web_outage import pg_served, sqlite_served  # noqa: F401  (fixtures)

PG_ADMIN_URL = os.environ.get(
    "RINGBACK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _pg_unavailable_reason() -> str | None:
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: no server we can use
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    reason = _pg_unavailable_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str) -> Iterator[str]:
    """A brand-new, empty PostgreSQL database, dropped afterwards."""
    from tests.support.pg import fresh_database

    with fresh_database(pg_admin_url) as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ringback.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database: once on SQLite and once on the real PostgreSQL server."""
    from ringback.db.migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ringback.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    upgrade(url)
    return url


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Cli:
    """Runs `ringback ...` in-process against one data directory and database."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.env = {"RINGBACK_DATA_DIR": str(data_dir), "RINGBACK_TIMEZONE": "America/New_York"}
        if database_url:
            self.env["RINGBACK_DATABASE_URL"] = database_url

    def __call__(self, *args: str, input: str | None = None) -> Result:
        from ringback.cli import cli

        get_settings.cache_clear()
        runner = CliRunner()
        result = runner.invoke(cli, list(args), input=input, env=self.env, catch_exceptions=False)
        get_settings.cache_clear()
        return Result(result.exit_code, result.stdout, result.stderr)

    def subprocess(self, *args: str, input: str | None = None) -> Result:
        env = {**os.environ, **self.env}
        proc = subprocess.run(
            [sys.executable, "-m", "ringback", *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(tmp_path: Path, db_url: str) -> Cli:
    """The CLI against a migrated database (SQLite and PostgreSQL)."""
    return Cli(tmp_path / "data", db_url)


@pytest.fixture
def cli_embedded(tmp_path: Path) -> Cli:
    """The CLI on its embedded defaults: a SQLite file in a fresh data directory."""
    return Cli(tmp_path / "data", None)


# Evaluation data and system test data are required in CI: a test that would skip for
# want of them fails there instead, so a missing install step cannot pass unnoticed.
_DATA_SKIP = re.compile(r"FSDD|SwDA|shared|eval|asterisk|corpus|seed .* not found|recordings", re.I)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and isinstance(report.longrepr, tuple):
        reason = str(report.longrepr[2])
        if _DATA_SKIP.search(reason):
            report.outcome = "failed"
            report.longrepr = f"CI=true requires this test's data, but it skipped: {reason}"


@pytest.fixture
def smtpd() -> Iterator[Callable[..., Any]]:
    """Start real SMTP servers on loopback: ``smtpd(port=None, **controller_kwargs)``
    (:func:`tests.support.smtp.smtp_servers`; a test using it is skipped without aiosmtpd)."""
    from tests.support.smtp import smtp_servers

    with smtp_servers() as start:
        yield start
