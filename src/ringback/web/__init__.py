"""Ringback's web side: ``create_app(settings)``, served by ``ringback serve`` (uvicorn)."""

from ringback.web.app import create_app

__all__ = ["create_app"]
