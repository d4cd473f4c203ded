"""Who may start now: the box's channel capacity (slots) and the pace of starts (a token bucket).

Pure: no clock, no I/O; times are passed in (seconds, any monotonic origin).

    gate = Admission(capacity=60, pace=StartPace(rate_per_s=8.0, burst=8, now=t0))
    gate.request(cid, now)        # START: it has a slot, start it now; else WAIT_SLOT / WAIT_PACE
    gate.admit(now)               # the waiting channels that may start now, oldest first
    gate.release(cid)             # a channel that held a slot stopped or gave up: the slot is free
    gate.withdraw(cid)            # a waiting channel was stopped or deleted: it leaves the queue
    gate.next_admission_in(now)   # seconds until ``admit`` can start someone (``None``: nobody can)

Rules:

- a channel holds a slot from its start until it stops or gives up (``error``);
  ``offline`` channels keep theirs (they keep retrying);
- waiting channels start in the order they asked (first in, first out); a
  channel restarted while holding a slot asks ``first=True`` and goes ahead of
  them, so a restart never hands its slot to someone else;
- every start takes a token; tokens come back at ``rate_per_s`` up to ``burst``,
  so at most ``burst + rate_per_s * t`` channels start in any ``t`` seconds;
- nobody jumps the queue: a new request waits while others wait, even when a
  slot and a token happen to be free (``admit`` hands them out in order).
"""

from __future__ import annotations

import enum
from collections import OrderedDict

TOKEN_EPSILON = 1e-9
"""Rounding slack when counting whole tokens (floating-point refills)."""


class Verdict(enum.Enum):
    START = "start"
    """A slot and a token were free: start now."""
    WAIT_SLOT = "wait_slot"
    """Every slot is taken: wait until a channel stops."""
    WAIT_PACE = "wait_pace"
    """A slot is free but starts are paced (or others wait first): wait for a token."""


class StartPace:
    """A token bucket: ``burst`` starts at once, then ``rate_per_s`` starts per second."""

    def __init__(self, rate_per_s: float, burst: int, now: float) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._tokens = float(burst)
        self._at = now

    def _refill(self, now: float) -> None:
        if now > self._at:
            self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate_per_s)
            self._at = now

    def available(self, now: float) -> bool:
        self._refill(now)
        return self._tokens >= 1.0 - TOKEN_EPSILON

    def take(self, now: float) -> bool:
        """Take one token if there is one."""
        if not self.available(now):
            return False
        self._tokens = max(0.0, self._tokens - 1.0)
        return True

    def wait_s(self, now: float) -> float:
        """Seconds until a token is available (0 when one is)."""
        self._refill(now)
        missing = 1.0 - self._tokens
        return 0.0 if missing <= TOKEN_EPSILON else missing / self.rate_per_s


class Admission:
    """The queue policy of one engine: ``capacity`` slots, starts paced by ``pace``."""

    def __init__(self, capacity: int, pace: StartPace) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.pace = pace
        self._holding: set[int] = set()
        self._waiting: OrderedDict[int, None] = OrderedDict()

    @property
    def running(self) -> int:
        """Channels holding a slot."""
        return len(self._holding)

    @property
    def waiting(self) -> tuple[int, ...]:
        """Channels waiting, in the order they will start."""
        return tuple(self._waiting)

    def holds(self, channel_id: int) -> bool:
        return channel_id in self._holding

    def is_waiting(self, channel_id: int) -> bool:
        return channel_id in self._waiting

    def request(self, channel_id: int, now: float, *, first: bool = False) -> Verdict:
        """Ask to start ``channel_id``; it starts now or waits its turn (it is then queued)."""
        if channel_id in self._holding:
            return Verdict.START
        if channel_id in self._waiting:
            if first:
                self._waiting.move_to_end(channel_id, last=False)
            return self._why_waiting()
        ahead = bool(self._waiting) and not first
        if not ahead and self._slot_free() and self.pace.take(now):
            self._holding.add(channel_id)
            return Verdict.START
        self._waiting[channel_id] = None
        if first:
            self._waiting.move_to_end(channel_id, last=False)
        return self._why_waiting()

    def admit(self, now: float) -> list[int]:
        """Move waiting channels to slots while slots and tokens last, oldest first."""
        started: list[int] = []
        while self._waiting and self._slot_free() and self.pace.take(now):
            channel_id, _ = self._waiting.popitem(last=False)
            self._holding.add(channel_id)
            started.append(channel_id)
        return started

    def release(self, channel_id: int) -> None:
        """The channel no longer holds a slot (stopped, deleted or gave up); idempotent."""
        self._holding.discard(channel_id)

    def withdraw(self, channel_id: int) -> bool:
        """Take a waiting channel out of the queue; ``False`` if it was not waiting."""
        if channel_id not in self._waiting:
            return False
        del self._waiting[channel_id]
        return True

    def withdraw_all(self) -> list[int]:
        """Empty the queue (shutdown); returns who was waiting, in order."""
        waiting = list(self._waiting)
        self._waiting.clear()
        return waiting

    def next_admission_in(self, now: float) -> float | None:
        """Seconds until ``admit`` could start a waiting channel; ``None`` while none can
        (nobody waits, or every slot is taken: a release, not time, frees one)."""
        if not self._waiting or not self._slot_free():
            return None
        return self.pace.wait_s(now)

    def _slot_free(self) -> bool:
        return len(self._holding) < self.capacity

    def _why_waiting(self) -> Verdict:
        return Verdict.WAIT_PACE if self._slot_free() else Verdict.WAIT_SLOT
