"""The outbox sender: delivers ``notifications`` rows in its own task, never the engine's.

Every row exists before it is sent. The sender claims due rows, sends each in
its own task (a slow target delays nobody else), records every attempt with
its error, and settles the row: ``delivered``; or pending again after
``retry_base_s * 2**(attempt-1)``; or ``failed`` after ``max_attempts``. Rows
left pending by a stopped or crashed process are sent by the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Final

import structlog

from streamfleet.alerts.senders.delivery import Delivery, Sender, SendResult
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.outbox import (
    AttemptOutcome,
    Claimed,
    NotificationRecord,
    OutboxRepository,
)
from streamfleet.domain.errors import StreamfleetError
from streamfleet.logs import redact_text

IDLE_POLL_S: Final = 5.0
"""With nothing due, look again this often (rows written by other processes)."""
CLAIM_BATCH: Final = 20
CLAIM_MARGIN_S: Final = 30.0
"""A claim lasts the send timeout plus this margin, then another sender may take the row."""
CONCURRENT_SENDS: Final = 8
STOP_GRACE_S: Final = 5.0
"""On a graceful stop, sends in flight get this long to be answered and recorded."""

log = structlog.get_logger()


def retry_delay_s(attempts_done: int, base_s: float) -> float:
    """Wait after the ``attempts_done``-th failed attempt: base, 2·base, 4·base, …"""
    return base_s * 2.0 ** max(0, attempts_done - 1)


class OutboxSender:
    def __init__(
        self,
        repository: OutboxRepository,
        senders: Mapping[str, Sender],
        *,
        retry_base_s: float,
        timeout_s: float,
        clock: Callable[[], float],
    ) -> None:
        self._repo = repository
        self._senders = senders
        self._retry_base_s = retry_base_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(CONCURRENT_SENDS)
        self._in_flight: dict[int, asyncio.Task[None]] = {}

    def wake(self) -> None:
        """New rows were written: look for due rows now."""
        self._wake.set()

    async def run(self) -> None:
        """Deliver due rows until cancelled; claims still held are released on the way out."""
        try:
            while True:
                self._wake.clear()
                claimed: list[Claimed] = []
                try:
                    if len(self._in_flight) < CONCURRENT_SENDS:
                        claimed = await self._repo.claim_due(self._now(), self._lease, CLAIM_BATCH)
                    for item in claimed:
                        self._start(item)
                    wait_s = await self._idle_wait_s() if not claimed else 0.0
                except DatabaseUnavailable as exc:
                    log.warning("outbox.db_unavailable", error=str(exc))
                    wait_s = IDLE_POLL_S
                if wait_s > 0:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(wait_s):
                            await self._wake.wait()
        finally:
            await self._shutdown()

    async def deliver_now(self, notification_id: int) -> NotificationRecord | None:
        """Claim one pending row and make one attempt at once (the "send test" action)."""
        claimed = await self._repo.claim(notification_id, self._now(), self._lease)
        if claimed is None:
            return None
        return await self._attempt(claimed)

    # Internals -----------------------------------------------------------------------

    @property
    def _lease(self) -> timedelta:
        return timedelta(seconds=self._timeout_s + CLAIM_MARGIN_S)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    def _start(self, claimed: Claimed) -> None:
        notification_id = claimed.notification.id
        task = asyncio.create_task(self._guarded(claimed), name=f"outbox-{notification_id}")
        self._in_flight[notification_id] = task
        task.add_done_callback(lambda t: self._finished(notification_id, t))

    def _finished(self, notification_id: int, task: asyncio.Task[None]) -> None:
        self._in_flight.pop(notification_id, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("outbox.attempt_crashed", id=notification_id, exc_info=task.exception())

    async def _guarded(self, claimed: Claimed) -> None:
        async with self._slots:
            try:
                await self._attempt(claimed)
            except DatabaseUnavailable as exc:
                # The attempt could not be recorded; the claim runs out and the row is retried.
                log.warning("outbox.db_unavailable", id=claimed.notification.id, error=str(exc))
            except StreamfleetError as exc:  # a leader's term ended: its write was refused
                log.warning("outbox.attempt_refused", id=claimed.notification.id, error=str(exc))
        self.wake()

    async def _attempt(self, claimed: Claimed) -> NotificationRecord:
        n, target = claimed.notification, claimed.target
        delivery = Delivery(
            notification_id=n.id,
            event=n.event,
            attempt=n.attempts + 1,
            created_at=n.created_at,
            payload=n.payload,
            target_name=target.name,
            url=target.url,
            secret=target.secret,
        )
        sender = self._senders.get(target.kind)
        if sender is None:
            result = SendResult(False, f"no sender for target kind '{target.kind}'")
        else:
            result = await sender.send(delivery, self._timeout_s)
        if result.error:
            result = SendResult(result.ok, redact_text(result.error), result.status_code)
        now = self._now()
        retry_at = None
        if not result.ok:
            retry_at = now + timedelta(seconds=retry_delay_s(delivery.attempt, self._retry_base_s))
        record = await self._repo.record_attempt(
            n.id, now, AttemptOutcome(result.ok, result.error, result.status_code, retry_at)
        )
        fields = {"id": n.id, "target": target.name, "kind": n.event, "attempt": delivery.attempt}
        if result.ok:
            log.info("notification.delivered", **fields, status_code=result.status_code)
        elif record.state == "failed":
            log.warning("notification.failed", **fields, error=result.error)
        else:
            log.info("notification.retrying", **fields, error=result.error, retry_at=str(retry_at))
        return record

    async def _idle_wait_s(self) -> float:
        if self._in_flight and len(self._in_flight) >= CONCURRENT_SENDS:
            return IDLE_POLL_S
        due = await self._repo.next_due_at(self._now())
        if due is None:
            return IDLE_POLL_S
        return min(IDLE_POLL_S, max(0.0, (due - self._now()).total_seconds()))

    async def _shutdown(self) -> None:
        """Let sends in flight finish and be recorded (bounded), then give back what is left.

        A receiver that answered before the stop must not be sent the same row
        again by the next process: at-least-once stays the promise for a crash,
        not for a clean restart.
        """
        tasks = list(self._in_flight.values())
        if tasks:
            grace = min(STOP_GRACE_S, self._timeout_s + 1.0)
            await asyncio.wait(tasks, timeout=grace)
        left = {i: t for i, t in self._in_flight.items() if not t.done()}
        ids, unfinished = list(left), list(left.values())
        for task in unfinished:
            task.cancel()
        await asyncio.gather(*unfinished, return_exceptions=True)
        if ids:
            log.info("outbox.stopped", unfinished=len(ids))
        with contextlib.suppress(DatabaseUnavailable):
            await self._repo.release(ids)
