"""Restart delays: the first retry at once, then capped exponential backoff with full jitter.

Attempt n (n = 0, 1, 2, …) after a failure waits ``0`` for n = 0 and
``uniform(0, min(cap, initial * 2 ** (n - 1)))`` after that: 0, ≤0.5, ≤1,
≤2, … ≤30 s with the defaults. Full jitter spreads the retries of many
channels that lost one shared source. ``reset()`` after a stable period.
Pure: the random source is passed in.
"""

from __future__ import annotations

from collections.abc import Callable


class Backoff:
    __slots__ = ("cap_s", "failures", "initial_s", "rand")

    def __init__(self, initial_s: float, cap_s: float, rand: Callable[[], float]) -> None:
        if initial_s <= 0 or cap_s < initial_s:
            raise ValueError("backoff needs 0 < initial_s <= cap_s")
        self.initial_s = initial_s
        self.cap_s = cap_s
        self.rand = rand
        self.failures = 0

    def ceiling(self, attempt: int) -> float:
        """The largest delay attempt ``attempt`` may wait."""
        if attempt <= 0:
            return 0.0
        exponent = min(attempt - 1, 64)  # beyond this the cap applies anyway
        return min(self.cap_s, self.initial_s * 2.0**exponent)

    def next_delay(self) -> float:
        """The delay before the next attempt; counts one more failure."""
        delay = self.rand() * self.ceiling(self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0
