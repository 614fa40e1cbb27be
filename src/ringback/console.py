"""Terminal output shared by every command: rich tables, JSON, and errors that say what to do."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from rich.console import Console


class UserError(click.ClickException):
    """An error the user can fix; printed as 'Error: ...' plus a hint, exit code 1 or as given."""

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int = 1) -> None:
        super().__init__(message)
        self.hint = hint
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance

    def format_message(self) -> str:
        return f"{self.message}\n  → {self.hint}" if self.hint else self.message


def fail(message: str, *, hint: str | None = None, exit_code: int = 1) -> NoReturn:
    raise UserError(message, hint=hint, exit_code=exit_code)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(data: Any, *, indent: int | None = 2) -> str:
    return json.dumps(data, default=_default, ensure_ascii=False, indent=indent)


def print_json(data: Any, *, indent: int | None = 2) -> None:
    sys.stdout.write(dumps(data, indent=indent) + "\n")


def console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)
