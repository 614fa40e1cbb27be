"""Docs generated from code, so they cannot drift (checked by tests/test_docs.py).

python -m ringback.docs --write    # refresh the generated regions of README.md
python -m ringback.docs --check    # exit 1 if README.md is out of date
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def settings_table() -> str:
    from ringback.config import Settings

    rows = ["| variable | default | what it is |", "| --- | --- | --- |"]
    for name, info in Settings.model_fields.items():
        if info.default_factory is not None:
            default = "see below" if name == "data_dir" else "(computed)"
        elif info.default in (None, ""):
            default = "—"
        else:
            default = f"`{info.default}`"
        rows.append(f"| `RINGBACK_{name.upper()}` | {default} | {info.description or ''} |")
    return "\n".join(rows)


def commands_table() -> str:
    from ringback.cli import COMMANDS

    rows = ["| command | what it does |", "| --- | --- |"]
    rows += [f"| `ringback {name}` | {COMMANDS[name][1]} |" for name in sorted(COMMANDS)]
    return "\n".join(rows)


REGIONS: dict[str, Callable[[], str]] = {"settings": settings_table, "commands": commands_table}


def render(text: str, regions: dict[str, Callable[[], str]] | None = None) -> str:
    for name, make in (regions or REGIONS).items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.S)
        if not pattern.search(text):  # checked before splicing so the error names the region
            raise ValueError(f"README.md lacks the <!-- {name}:start/end --> markers")
        # A plain string replacement would interpret backslashes in the body: splice instead.
        match = pattern.search(text)
        assert match is not None
        text = f"{text[: match.end(1)]}{make()}\n{text[match.start(2) :]}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    fresh = render(current)
    if args.write:
        README.write_text(fresh, encoding="utf-8")
    elif current != fresh:
        print("README.md is out of date: run `python -m ringback.docs --write`", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
