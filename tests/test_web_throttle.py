"""Failed sign-ins are throttled per client address and per user name (issue 12, point 7).

The window logic is tested with an injected clock (no sleeping); the behaviour a user
notices is tested against the real `ringback serve`, its clients on distinct loopback
addresses (127.0.0.2, 127.0.0.3, ...) so each is a different address to the server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ringback.web.throttle import LoginThrottle, SlidingWindow
from tests.support.web import PASSWORD, Server, basic, get, ringback_serve

API = "/api/telephony/recordings"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_rather_than_resetting() -> None:
    clock = Clock()
    window = SlidingWindow(3, 10, clock=clock)
    for t in (0, 1, 2):
        clock.now = 1000 + t
        assert window.retry_after("a") == 0
        window.hit("a")
    assert window.retry_after("a") == 8  # until the first hit (t=0) leaves the window
    assert window.retry_after("b") == 0  # keys are independent
    clock.now = 1010  # the t=0 hit has left: one more try is allowed...
    assert window.retry_after("a") == 0
    window.hit("a")
    assert window.retry_after("a") == 1  # ...and then it waits for the t=1 hit to leave
    clock.now = 1030
    assert window.retry_after("a") == 0


def test_the_window_forgets_the_oldest_key_first_when_full() -> None:
    clock = Clock()
    window = SlidingWindow(1, 60, clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        window.hit(key)
    window.hit("a")  # a is now the most recently hit: b goes first
    window.hit("d")
    assert [window.retry_after(k) > 0 for k in "abcd"] == [True, False, True, True]


def test_a_success_clears_only_its_own_address() -> None:
    clock = Clock()
    throttle = LoginThrottle.create(2, 60, clock)
    throttle.failed("10.0.0.1", "ringback")
    throttle.failed("10.0.0.1", "ringback")
    throttle.succeeded("10.0.0.2")
    assert throttle.locked_for("10.0.0.1", None) == 60
    assert throttle.locked_for("10.0.0.2", "RingBack") == 60  # the user name is locked
    assert throttle.locked_for("10.0.0.2", "someone") == 0
    throttle.succeeded("10.0.0.1")
    assert throttle.locked_for("10.0.0.1", None) == 0


def test_invalid_windows_are_refused() -> None:
    with pytest.raises(ValueError):
        SlidingWindow(0, 10)
    with pytest.raises(ValueError):
        SlidingWindow(3, 0)


def api(server: Server, source: str, user: str = "ringback", password: str = "wrong") -> int | None:
    reply = server.request(get(API, basic(user, password)), source=source)
    if reply.status == 429:
        wait = int(reply.headers["retry-after"])
        assert 0 < wait <= 300 and str(wait) in reply.body.decode()
    return reply.status


def test_failed_sign_ins_are_refused_after_the_limit_even_with_the_right_password(
    tmp_path: Path,
) -> None:
    with ringback_serve(tmp_path, RINGBACK_WEB_LOGIN_ATTEMPTS="3") as server:
        guesser, owner = "127.0.0.2", "127.0.0.3"
        # Guesses under other user names: only the guesser's address is counted.
        assert [api(server, guesser, f"user{i}") for i in range(2)] == [401, 401]
        # The owner signing in elsewhere does not reset the guesser's count.
        assert api(server, owner, password=PASSWORD) == 200
        assert api(server, guesser, "user2") == 401
        assert api(server, guesser, "user3") == 429
        assert api(server, guesser, password=PASSWORD) == 429  # right, but still locked
        assert api(server, owner, password=PASSWORD) == 200  # another address is not

        # Guessing one user name from many addresses locks that name everywhere.
        assert [api(server, f"127.0.0.{n}") for n in (4, 5, 6)] == [401, 401, 401]
        assert api(server, "127.0.0.7", password=PASSWORD) == 429
        # A request without credentials is a challenge, not a guess.
        assert server.request(get(API), source="127.0.0.8").status == 401


def test_behind_a_proxy_each_real_client_is_counted_and_only_the_proxy_is_believed(
    tmp_path: Path,
) -> None:
    env = {"RINGBACK_WEB_LOGIN_ATTEMPTS": "2", "RINGBACK_WEB_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    with ringback_serve(tmp_path, **env) as server:

        def via_proxy(client: str, user: str, source: str = "127.0.0.1") -> int | None:
            head = get(API, basic(user, "wrong"), f"X-Forwarded-For: {client}")
            return server.request(head, source=source).status

        assert [via_proxy("203.0.113.5", f"u{i}") for i in range(3)] == [401, 401, 429]
        # Another client behind the same proxy is not locked out with the first.
        assert via_proxy("203.0.113.6", "u9") == 401
        # Not the proxy: its X-Forwarded-For is ignored, it is counted as itself.
        assert [via_proxy("203.0.113.7", f"v{i}", "127.0.0.2") for i in range(3)] == [401, 401, 429]
        assert via_proxy("203.0.113.8", "w0", "127.0.0.2") == 429
