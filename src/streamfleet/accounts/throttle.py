"""Login throttling: at most 5 failed logins a minute per account and per client address.

A sliding window of failure times per key, kept in this process's memory.
That is enough for one API node (``serve``, or one ``api``); behind a load
balancer each node counts on its own, so an attacker spreading attempts over
N nodes gets N times the budget (still 5 a minute per node and account).
Pure: the caller passes the clock's reading.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from typing import Final

MAX_FAILURES: Final = 5
WINDOW_S: Final = 60.0
MAX_KEYS: Final = 100_000
"""Keys beyond this (an attack from many addresses) push out the oldest ones."""


class SlidingWindowLimiter:
    """Counts failures per key within the last ``window_s`` seconds."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after_s(self, key: str, now: float) -> int:
        """Seconds until ``key`` may try again; 0 when it may now."""
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        if len(times) < self.max_failures:
            return 0
        return max(1, math.ceil(times[0] + self.window_s - now))

    def fail(self, key: str, now: float) -> None:
        times = self._failures.get(key)
        if times is None:
            times = self._failures[key] = deque(maxlen=self.max_failures)
            while len(self._failures) > MAX_KEYS:
                self._failures.popitem(last=False)
        else:
            self._failures.move_to_end(key)
        times.append(now)

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)


class LoginThrottle:
    """One limiter for accounts and one for client addresses."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.accounts = SlidingWindowLimiter(max_failures, window_s)
        self.addresses = SlidingWindowLimiter(max_failures, window_s)

    def retry_after_s(self, username: str, address: str, now: float) -> int:
        return max(
            self.accounts.retry_after_s(username.casefold(), now),
            self.addresses.retry_after_s(address, now),
        )

    def failed(self, username: str, address: str, now: float) -> None:
        self.accounts.fail(username.casefold(), now)
        self.addresses.fail(address, now)

    def succeeded(self, username: str) -> None:
        self.accounts.forget(username.casefold())
