"""``WorkerWatch``: an API node opens the ``worker_lost`` alert for a worker that stopped
heartbeating, and resolves it when the worker is back or has left cleanly.

    watch = WorkerWatch(WorkerRegistry(database), alerts)
    watch.start() … await watch.stop()

Every ``WATCH_INTERVAL_S`` it lists the registered workers: one whose last heartbeat (by
the database's clock) is older than the lease TTL is lost (its channels are being moved
by then). A worker that stops cleanly deregisters first, so it is never seen lost and
opens nothing. Grouping, notification and acknowledging are the alerts engine's.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final, Protocol

import structlog

from streamfleet.cluster.keeper import RENEWAL_FAILURES
from streamfleet.cluster.timing import HEARTBEAT_INTERVAL_S, LEASE_TTL_S
from streamfleet.cluster.workers import WorkerRegistry

WATCH_INTERVAL_S: Final = HEARTBEAT_INTERVAL_S
"""How often an API node looks for lost workers."""

log = structlog.get_logger()


class WorkerAlerts(Protocol):
    async def worker_lost(self, worker: str, reason: str = "") -> None: ...

    async def worker_back(self, worker: str) -> None: ...


class WorkerWatch:
    def __init__(self, registry: WorkerRegistry, alerts: WorkerAlerts) -> None:
        self._registry = registry
        self._alerts = alerts
        self._lost: set[str] = set()
        self._first = True
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fleet-worker-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def look(self) -> set[str]:
        """One round: the workers lost now."""
        workers = await self._registry.all()
        lost = {w.spec.id: w for w in workers if w.heartbeat_age_s >= LEASE_TTL_S}
        for worker_id in sorted(set(lost) - self._lost):
            age_s = lost[worker_id].heartbeat_age_s
            await self._alerts.worker_lost(worker_id, f"no heartbeat for {age_s:.0f} s")
            log.warning("fleet.worker_lost", worker=worker_id, heartbeat_age_s=round(age_s, 1))
        # Back, or gone cleanly; on the first round every live worker (an alert restored
        # from before this node started may name one).
        back = (self._lost - set(lost)) | (
            {w.spec.id for w in workers} - set(lost) if self._first else set()
        )
        for worker_id in sorted(back):
            await self._alerts.worker_back(worker_id)
        self._lost, self._first = set(lost), False
        return self._lost

    async def _run(self) -> None:
        while True:
            try:
                await self.look()
            except RENEWAL_FAILURES as exc:  # the next round tries again
                log.warning("fleet.worker_watch_failed", error=type(exc).__name__)
            await asyncio.sleep(WATCH_INTERVAL_S)
