"""The voicemail coach: score a script, compose one from a contact's back story, check openers.

Import the pure API from here; it loads neither SQLAlchemy nor rich.
"""

from __future__ import annotations

from ringback.coach.scoring import Finding, Score, feature_names, score_script
from ringback.coach.text import ScriptError

__all__ = ["Finding", "Score", "ScriptError", "feature_names", "score_script"]
