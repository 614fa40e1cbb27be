"""Failed sign-in throttling: a sliding-window counter per client address and per user name.

Shared by every way of signing in (HTTP Basic on ``/api/`` today, the web app's form
later), so guessing a password costs the same whichever door is tried. While a key is
locked out even the right password is refused: otherwise a guesser would simply learn
which guess was right from the lock-out lifting.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


class SlidingWindow:
    """At most ``limit`` events per key in any ``window`` seconds.

    ``clock`` is injectable (monotonic seconds) so the window logic is tested without
    sleeping. Keys are attacker-chosen (addresses, user names), so at most ``max_keys``
    are remembered: the least recently hit is forgotten first.
    """

    def __init__(
        self, limit: int, window: float, *, clock: Clock = time.monotonic, max_keys: int = 10_000
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a sliding window needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()  # a sync caller may use it from a worker thread

    def _recent(self, key: str, now: float) -> deque[float] | None:
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if not hits:
            del self._hits[key]
            return None
        return hits

    def retry_after(self, key: str) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            if hits is None or len(hits) < self.limit:
                return 0.0
            # Allowed again once enough of the oldest hits have left the window.
            return hits[len(hits) - self.limit] + self.window - now

    def hit(self, key: str) -> None:
        """Count one event for ``key`` now."""
        with self._lock:
            now = self.clock()
            hits = self._recent(key, now)
            if hits is None:
                if len(self._hits) >= self.max_keys:
                    del self._hits[next(iter(self._hits))]
                hits = self._hits[key] = deque(maxlen=self.limit)
            else:  # most recently hit last, so the oldest is forgotten first
                self._hits[key] = self._hits.pop(key)
            hits.append(now)

    def clear(self, key: str) -> None:
        """Forget ``key``'s events."""
        with self._lock:
            self._hits.pop(key, None)


@dataclass
class LoginThrottle:
    """Failed sign-ins counted per client address and per user name.

    A success clears only its own address's count: a right password from one address
    must not wipe out what another address has been guessing, and the user name's count
    stays so guessing spread over many addresses is still capped per window.
    """

    by_address: SlidingWindow
    by_user: SlidingWindow

    @classmethod
    def create(cls, attempts: int, window: float, clock: Clock = time.monotonic) -> LoginThrottle:
        """``attempts`` failures within ``window`` seconds lock an address or a user name."""
        return cls(
            SlidingWindow(attempts, window, clock=clock),
            SlidingWindow(attempts, window, clock=clock),
        )

    def locked_for(self, address: str, user: str | None) -> int:
        """Whole seconds before this address (and user name) may try again; 0 = now."""
        wait = self.by_address.retry_after(address)
        if user is not None:
            wait = max(wait, self.by_user.retry_after(_user_key(user)))
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, address: str, user: str | None) -> None:
        """Count a failed sign-in."""
        self.by_address.hit(address)
        if user is not None:
            self.by_user.hit(_user_key(user))

    def succeeded(self, address: str) -> None:
        """A right password: this address starts afresh (see the class docstring)."""
        self.by_address.clear(address)


def _user_key(user: str) -> str:
    # Bounded and case-folded: a megabyte-long name or a change of case is the same key.
    return user[:256].casefold()
