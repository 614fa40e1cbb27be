"""Errors a person can act on: what went wrong (the message) and what to do next (the hint)."""

from __future__ import annotations


class HintedError(ValueError):
    """Refused input: the message says why, ``hint`` what to do next (may be empty)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint
