"""Errors a person can act on: what went wrong (the message) and what to do next (the hint)."""

from __future__ import annotations


class HintedError(ValueError):
    """Refused input: the message says why, ``hint`` what to do next (may be empty)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class NotFinished(HintedError):
    """Not deleted: ``what`` is still being worked on (``status``), and a deletion would
    pull the row from under the worker (409 on the API). Each domain says what to do."""

    def __init__(self, what: str, status: str, hint: str) -> None:
        super().__init__(f"{what} is still {status}", hint)
