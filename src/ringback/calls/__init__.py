"""Call review: who spoke when, how well the rep listened, and what the customer said.

``analyze_call`` (``analysis.py``) turns a two-party recording into a :class:`CallAnalysis`;
its ``contract()`` is the stable JSON of ``ringback call analyze --json``. Everything heavy
(PyAV, faster-whisper, matplotlib) is imported inside the functions that need it.
"""

from __future__ import annotations
