"""deploy/ cannot rot silently: the compose file and the systemd units are read (YAML,
configparser) and every command, option, setting and extra they name must exist.
"""

from __future__ import annotations

import configparser
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest

from ringback.cli import COMMANDS, cli
from ringback.config import Settings

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = ["ringback-web.service", "ringback-worker@.service"]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read_string((DEPLOY / "systemd" / name).read_text(encoding="utf-8"))
    return parser


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def command_lines() -> list[list[str]]:
    """Every `ringback ...` command line the units and the compose file run."""
    lines = []
    for name in UNITS:
        argv = shlex.split(unit(name)["Service"]["ExecStart"])
        assert Path(argv[0]).name == "ringback", argv
        lines.append(["ringback", *argv[1:]])
    for service in compose()["services"].values():
        if service.get("image") == "ringback:latest":  # postgres and redis run their own
            lines.append(list(service["command"]))
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (cmd,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.M)
    lines.append(yaml.safe_load(cmd))
    return lines


def setting_names() -> set[str]:
    """Every RINGBACK_* name the compose file, its env file and the units set."""
    names: set[str] = set()
    for service in compose()["services"].values():
        names |= {k for k in service.get("environment", {}) if k.startswith("RINGBACK_")}
    example = (DEPLOY / "ringback.env.example").read_text(encoding="utf-8")
    names |= set(re.findall(r"^(RINGBACK_\w+)=", example, re.M))
    for name in UNITS:
        names |= set(re.findall(r"RINGBACK_\w+", unit(name)["Service"].get("Environment", "")))
    return names


def extras() -> set[str]:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    (named,) = re.findall(r'pip install "\.\[([\w,]+)\]"', dockerfile)
    return {f"extra:{e}" for e in named.split(",")}


def known_settings() -> set[str]:
    return {f"RINGBACK_{name.upper()}" for name in Settings.model_fields}


def problems(names: set[str]) -> list[str]:
    """What deploy/ names that does not exist (among ``names``)."""
    found = []
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for line in command_lines():
        assert line[0] == "ringback", line
        if line[1] not in names:
            continue
        if line[1] not in COMMANDS:
            found.append(f"no command `ringback {line[1]}`")
            continue
        command = cli.get_command(click.Context(cli), line[1])
        options = {o for p in getattr(command, "params", []) for o in p.opts}
        found += [
            f"`ringback {line[1]}` has no {a}"
            for a in line[2:]
            if a.startswith("--") and a not in options
        ]
    found += sorted(f"no setting {s}" for s in names & setting_names() - known_settings())
    extras_known = {f"extra:{e}" for e in declared["optional-dependencies"]}
    found += sorted(f"no {e}" for e in names & extras() - extras_known)
    return found


def test_deploy_names_only_commands_settings_and_extras_that_exist() -> None:
    everything = {line[1] for line in command_lines()} | setting_names() | extras()
    assert problems(everything) == []
    # The units start what the README documents.
    assert [line[:2] for line in command_lines()][:2] == [
        ["ringback", "serve"],
        ["ringback", "worker"],
    ]


def test_units_are_hardened_and_read_their_settings_from_a_file() -> None:
    for name in UNITS:
        service = unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/ringback/ringback.env"
        assert service["User"] == "ringback"
        for option, value in {
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "ProtectHome": "yes",
            "PrivateTmp": "yes",
            "CapabilityBoundingSet": "",
        }.items():
            assert service[option] == value, (name, option)
        assert service["ReadWritePaths"] == "/var/lib/ringback"
    assert unit("ringback-worker@.service")["Service"]["ExecStart"].endswith("--queues %i")


def test_compose_runs_app_worker_postgres_and_redis_with_readyz_health() -> None:
    services = compose()["services"]
    assert {"web", "worker", "postgres", "redis"} <= set(services)
    health = " ".join(services["web"]["healthcheck"]["test"])
    assert "/readyz" in health
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"
    for name in ("postgres", "redis"):
        assert services["web"]["depends_on"][name]["condition"] == "service_healthy"
        assert "healthcheck" in services[name]
    # The app and the workers share the recordings and the outbox.
    assert services["web"]["volumes"] == services["worker"]["volumes"]
    url = services["web"]["environment"]["RINGBACK_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://") and "@postgres:5432/" in url
    assert "POSTGRES_PASSWORD" in url  # from the environment, never written in the file
