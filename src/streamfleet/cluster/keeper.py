"""``LeaseKeeper``: renew a lease every interval; give it up in time when renewal fails.

The keeper runs one renewal every ``interval_s``. ``renew()`` answers True when the
database renewed the lease (a worker's renew handles single lost channels itself,
from the ``Renewal``), False when the lease is gone (a leader's term taken over),
or raises when the database cannot be reached. The keeper calls ``on_lost(reason)``
once, and returns:

- at once when ``renew()`` answers False;
- when renewals have failed until the deadline: the start of the last successful
  renewal + ``ttl_s`` - ``SAFETY_INTERVALS`` * ``interval_s`` (10 - 2 * 2 = 6 s),
  so the worker stops its FFmpeg while the lease is still its own. The last
  success is measured *before* the renewal was sent, and the database computed the
  expiry after receiving it, so the deadline is never later than the real expiry
  (as long as both clocks run at the same rate; skew in the time of day is harmless).

A renewal gets at most one interval to answer, so a connection that died in silence
leaves time for another try on a fresh one before the deadline; one without an
answer is abandoned, not awaited (see ``_try_renew``). Such a renewal may still
commit later, when the connection comes back: it extends a lease whose holder has
already given it up, which delays that channel's move by up to a TTL but never runs
it twice. A worker that called ``on_lost`` releases its leases once the database
answers again.
``clock`` and ``sleep`` are injectable so tests run without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Final

import structlog
from sqlalchemy.exc import DBAPIError

from streamfleet.cluster.timing import HEARTBEAT_INTERVAL_S, LEASE_TTL_S, SAFETY_INTERVALS
from streamfleet.db.errors import DatabaseUnavailable

RENEWAL_FAILURES: Final = (DatabaseUnavailable, DBAPIError, TimeoutError, OSError)
"""What a failed renewal raises: the database unreachable, refusing, or too slow."""

LEASE_LOST: Final = "lease lost"

log = structlog.get_logger()


class LeaseKeeper:
    def __init__(
        self,
        renew: Callable[[], Awaitable[bool]],
        on_lost: Callable[[str], Awaitable[None]],
        *,
        name: str,
        ttl_s: float = LEASE_TTL_S,
        interval_s: float = HEARTBEAT_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        margin_s = SAFETY_INTERVALS * interval_s
        if not 0 < interval_s < ttl_s - margin_s:
            raise ValueError(
                f"interval_s ({interval_s:g}) must be above 0 and below ttl_s - "
                f"{SAFETY_INTERVALS} intervals ({ttl_s - margin_s:g})"
            )
        self._renew = renew
        self._on_lost = on_lost
        self._name = name
        self._interval_s = interval_s
        self._hold_s = ttl_s - margin_s
        self._clock = clock
        self._sleep = sleep
        self._unwinding: set[asyncio.Future[bool]] = set()

    async def run(self, acquired_at: float | None = None) -> str:
        """Keep the lease until it is lost; returns the reason given to ``on_lost``.
        ``acquired_at``: the ``clock()`` reading taken just before the claim was sent
        (default: now, which is later than the claim and so less safe by that much)."""
        sent_at = self._clock() if acquired_at is None else acquired_at
        deadline = sent_at + self._hold_s
        while True:
            await self._sleep(max(0.0, min(sent_at + self._interval_s, deadline) - self._clock()))
            sent_at = self._clock()
            reason = await self._try_renew(min(self._interval_s, deadline - sent_at))
            if reason is None:
                deadline = sent_at + self._hold_s
                continue
            if reason == LEASE_LOST or self._clock() >= deadline:
                log.warning("cluster.lease_lost", lease=self._name, reason=reason)
                await self._on_lost(reason)
                return reason

    async def _try_renew(self, wait_s: float) -> str | None:
        """None when renewed; otherwise why not. A renewal without an answer after ``wait_s`` is
        cancelled and left to unwind on its own: its clean-up (a rollback on a connection that
        no longer answers) can hang as long as the renewal did, and must not delay ``on_lost``."""
        attempt = asyncio.ensure_future(self._renew())
        done, _ = await asyncio.wait({attempt}, timeout=max(wait_s, 0.0))
        if not done:
            attempt.cancel()
            self._unwinding.add(attempt)
            attempt.add_done_callback(self._unwound)
            log.warning("cluster.renew_failed", lease=self._name, error="no answer")
            return "renewal failed until the deadline (no answer)"
        try:
            renewed = attempt.result()
        except RENEWAL_FAILURES as exc:
            log.warning("cluster.renew_failed", lease=self._name, error=type(exc).__name__)
            return f"renewal failed until the deadline ({type(exc).__name__})"
        return None if renewed else LEASE_LOST

    def _unwound(self, attempt: asyncio.Future[bool]) -> None:
        self._unwinding.discard(attempt)
        if not attempt.cancelled():
            attempt.exception()  # retrieved: a late failure of an abandoned renewal is expected
