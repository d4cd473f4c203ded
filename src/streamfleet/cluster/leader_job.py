"""``LeaderJob``: run one fleet-wide job in exactly one process, under a named leader lease.

    job = LeaderJob(LeaderLease(database, OUTBOX, ttl_s=LEADER_TTL_S), holder, deliver)
    job.start()          # in every process that may run the job
    ...
    await job.stop()     # cancel the work; step down so another takes over at once

Every process runs ``run()``: it tries to acquire the lease every ``ACQUIRE_INTERVAL_S``.
The one that gets it calls ``work(term)`` and keeps the lease with a ``LeaseKeeper``
(renewed every ``HEARTBEAT_INTERVAL_S``). ``work`` runs until it is cancelled; its writes
that must not outlive the term go through ``lease.fenced(term)`` (``LeaderWork.fenced``),
so a holder that froze past its term has them refused by the database (``StaleEpoch``).

The job is cancelled when the keeper gives the lease up (taken over, or renewals failing
until the keeper's deadline, before the lease expires), and the process goes back to
acquiring. A ``work`` that ends on its own (a crash) steps down so another process runs
it. A process killed with -9 leaves its lease to expire: the next holder starts within
``ttl_s`` + ``ACQUIRE_INTERVAL_S`` of the last renewal.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Final

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from streamfleet.cluster.keeper import RENEWAL_FAILURES, LeaseKeeper
from streamfleet.cluster.leader_lease import LeaderLease, LeaderTerm
from streamfleet.domain.errors import StreamfleetError

ACQUIRE_INTERVAL_S: Final = 0.5
"""How often a process that does not lead tries to take the lease."""
CRASH_PAUSE_S: Final = 1.0
"""After a job's ``work`` ended by itself, this process waits this long before trying again."""

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class LeaderWork:
    """What a job's ``work`` gets: its term, and transactions fenced by it."""

    term: LeaderTerm
    lease: LeaderLease

    def fenced(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A transaction that commits only while this term is current (``StaleEpoch`` else)."""
        return self.lease.fenced(self.term)


Work = Callable[[LeaderWork], Coroutine[Any, Any, None]]


class LeaderJob:
    def __init__(self, lease: LeaderLease, holder: str, work: Work) -> None:
        self._lease = lease
        self._holder = holder
        self._work = work
        self._task: asyncio.Task[None] | None = None
        self.term: LeaderTerm | None = None
        """The term this process leads under, while it does."""

    @property
    def name(self) -> str:
        return self._lease.name

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"leader-job-{self.name}")

    async def stop(self) -> None:
        """Cancel the work, then step down (a clean stop): the next process acquires at once,
        not after the TTL."""
        term, task, self._task = self.term, self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if term is not None:
            with contextlib.suppress(*RENEWAL_FAILURES):
                await self._lease.release(term)

    async def run(self) -> None:
        """Acquire, lead until the lease is lost or the work ends, again; until cancelled."""
        while True:
            sent_at = time.monotonic()
            try:
                term = await self._lease.acquire(self._holder)
            except (*RENEWAL_FAILURES, StreamfleetError) as exc:
                log.warning("leader.acquire_failed", job=self.name, error=type(exc).__name__)
                term = None
            if term is None:
                await asyncio.sleep(ACQUIRE_INTERVAL_S)
                continue
            if not await self._lead(term, sent_at):
                await asyncio.sleep(CRASH_PAUSE_S)

    async def _lead(self, term: LeaderTerm, sent_at: float) -> bool:
        """Run the work under ``term`` until the keeper gives the lease up (True) or the work
        ends by itself (False: this process steps down and lets another run it)."""
        self.term = term
        log.info("leader.elected", job=self.name, holder=self._holder, epoch=term.epoch)
        current = term

        async def renew() -> bool:
            nonlocal current
            renewed = await self._lease.renew(current)
            current = renewed or current
            return renewed is not None

        async def lost(reason: str) -> None:
            log.warning("leader.stepped_down", job=self.name, epoch=term.epoch, reason=reason)

        keeper = LeaseKeeper(renew, lost, name=f"leader:{self.name}", ttl_s=self._lease.ttl_s)
        keeping = asyncio.create_task(keeper.run(sent_at), name=f"leader-keeper-{self.name}")
        work = asyncio.create_task(self._work(LeaderWork(term, self._lease)), name=self.name)
        try:
            done, _ = await asyncio.wait({keeping, work}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (keeping, work):
                task.cancel()
            await asyncio.gather(keeping, work, return_exceptions=True)
        self.term = None
        if work not in done:
            return True
        log.error("leader.work_ended", job=self.name, exc_info=work.exception())
        with contextlib.suppress(*RENEWAL_FAILURES):
            await self._lease.release(term)
        return False
