"""Read the two quick-start commands out of README.md, so CI runs exactly what the README says.

python scripts/readme_commands.py start   # prints command (1)
python scripts/readme_commands.py test    # prints command (2)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def quick_start_commands(text: str | None = None) -> list[str]:
    text = README.read_text(encoding="utf-8") if text is None else text
    section = re.search(r"^## Quick start\n(.*?)(?=^## )", text, re.S | re.M)
    if not section:
        raise SystemExit("README.md has no '## Quick start' section")
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", section.group(1), re.S)
    commands = [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return commands


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    commands = quick_start_commands()
    if len(commands) != 2:
        raise SystemExit(
            f"README quick start must have exactly two commands, found {len(commands)}"
        )
    index = {"start": 0, "test": 1}.get(which)
    if index is None:
        raise SystemExit("usage: readme_commands.py start|test")
    print(commands[index])


if __name__ == "__main__":
    main()
