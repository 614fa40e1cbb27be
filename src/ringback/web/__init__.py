"""Ringback's web side: ``create_app(settings)``, served by ``ringback serve`` (uvicorn).

``create_app`` is imported on first use, so ``ringback start`` can read
:mod:`ringback.web.address` without loading FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ringback.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from ringback.web.app import create_app

        return create_app
    raise AttributeError(f"module 'ringback.web' has no attribute {name!r}")
