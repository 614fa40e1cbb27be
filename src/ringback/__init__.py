"""Ringback: your calls get returned, and every call moves the relationship forward."""

__version__ = "0.1.0"
