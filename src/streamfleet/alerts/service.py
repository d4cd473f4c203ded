"""Alerting wired together: the rules task, the outbox sender, the API's actions.

``AlertService`` runs the rules and the grouping in one task (``AlertEvaluator``,
``alerts/evaluator.py``: bus envelopes → rules → alert rows → grouping → outbox rows) and
the outbox sender in another. Neither ever runs in the engine's tasks: the bus hands
envelopes over through a bounded queue, so the engine never waits for us. The explicit
calls of other parts of the product (a worker lost, a backup failed, the archive's disk
full) are ``AlertHooks`` (``alerts/hooks.py``).

    service = AlertService(settings, database, bus)
    await service.start()      # before the engine starts publishing
    ...
    await service.stop()

In a fleet's API node the two tasks run under leader leases instead (``fleet/api_jobs.py``):
``start(jobs=False)`` serves the API's actions only, ``evaluate()`` is the ``alerts`` job,
``deliver(writes)`` the ``outbox`` job with its writes fenced by the leader's term.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import structlog

from streamfleet.alerts.evaluator import AlertEvaluator, utc_datetime
from streamfleet.alerts.hooks import AlertHooks
from streamfleet.alerts.kinds import NotificationEvent, TargetKind
from streamfleet.alerts.messages import render_test
from streamfleet.alerts.outbox import OutboxSender
from streamfleet.alerts.senders.apprise_sender import AppriseSender
from streamfleet.alerts.senders.delivery import Sender
from streamfleet.alerts.senders.webhook import WebhookSender
from streamfleet.config import Settings
from streamfleet.db.repositories.alerts import AlertRecord, AlertRepository
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.outbox import NewNotification, NotificationRecord, OutboxRepository
from streamfleet.db.repositories.targets import TargetRepository
from streamfleet.db.session import Database, Transactions
from streamfleet.events.bus import EventBus

TEST_ATTEMPTS: Final = 1

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class TestOutcome:
    ok: bool
    error: str | None
    status_code: int | None
    notification: NotificationRecord


class AlertService(AlertHooks):
    def __init__(
        self,
        settings: Settings,
        database: Database,
        bus: EventBus,
        *,
        senders: Mapping[str, Sender] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._bus = bus
        self._clock = clock
        self.alerts = AlertRepository(database.sessions)
        self.channels = ChannelRepository(
            database.sessions, srt_port_range=(settings.srt_port_min, settings.srt_port_max)
        )
        self.targets = TargetRepository(database.sessions)
        self.outbox = OutboxRepository(database.sessions)
        self._senders: Mapping[str, Sender] = senders or {
            TargetKind.WEBHOOK.value: WebhookSender(),
            TargetKind.APPRISE.value: AppriseSender(),
        }
        self.sender = OutboxSender(
            self.outbox,
            self._senders,
            retry_base_s=settings.notify_retry_base_s,
            timeout_s=settings.notify_timeout_s,
            clock=clock,
        )
        self._leading_sender: OutboxSender | None = None
        self.evaluator = AlertEvaluator(
            settings,
            bus,
            alerts=self.alerts,
            channels=self.channels,
            targets=self.targets,
            outbox=self.outbox,
            wake_sender=self._wake_sender,
            clock=clock,
        )
        self._tasks: list[asyncio.Task[None]] = []

    # Life cycle ----------------------------------------------------------------------

    async def start(self, *, jobs: bool = True) -> None:
        """Subscribe, restore open alerts from the database, start the two tasks; with
        ``jobs=False`` nothing runs (a fleet's leaders run ``evaluate`` and ``deliver``)."""
        if not jobs:
            return
        self.evaluator.subscribe()
        await self.evaluator.restore()
        self._tasks = [
            asyncio.create_task(self.evaluator.run(), name="alerts-rules"),
            asyncio.create_task(self.sender.run(), name="alerts-outbox"),
        ]
        for task in self._tasks:
            task.add_done_callback(_report_crash)
        log.info("alerts.started", targets=len(await self.targets.list(enabled_only=True)))

    async def stop(self) -> None:
        self.evaluator.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for sender in self._senders.values():
            await sender.close()

    async def evaluate(self, writes: Transactions) -> None:
        """The ``alerts`` leader job (``AlertEvaluator.evaluate``): the rules until cancelled,
        their writes in ``writes`` (fenced by the term)."""
        await self.evaluator.evaluate(writes)

    async def deliver(self, writes: Transactions) -> None:
        """The ``outbox`` leader job: send due rows, every write in ``writes`` (fenced)."""
        sender = OutboxSender(
            self.outbox.fenced(writes),
            self._senders,
            retry_base_s=self._settings.notify_retry_base_s,
            timeout_s=self._settings.notify_timeout_s,
            clock=self._clock,
        )
        self._leading_sender = sender
        try:
            await sender.run()
        finally:
            self._leading_sender = None

    def _wake_sender(self) -> None:
        self.sender.wake()
        if self._leading_sender is not None:
            self._leading_sender.wake()

    async def __aenter__(self) -> AlertService:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # Actions for the API -------------------------------------------------------------

    async def acknowledge(self, alert_id: int, by: str) -> AlertRecord:
        record, first = await self.alerts.acknowledge(alert_id, by, self._now())
        if first:
            self.evaluator.publish("acknowledged", record)
        return record

    async def send_test(self, target_id: int) -> TestOutcome:
        """Send a test message to the target at once (one attempt), recorded in the outbox."""
        target = await self.targets.get(target_id)
        message = render_test(target.name)
        item = NewNotification(
            target.id, NotificationEvent.TEST.value, [], message.as_payload(), TEST_ATTEMPTS
        )
        [row] = await self.outbox.enqueue([item], self._now())
        await self.sender.deliver_now(row.id)
        record = await self.outbox.get(row.id, with_attempts=True)
        last = record.attempt_log[-1] if record.attempt_log else None
        if last is None:
            return TestOutcome(False, "not attempted", None, record)
        return TestOutcome(last.ok, last.error, last.status_code, record)

    async def retry(self, notification_id: int) -> NotificationRecord:
        record = await self.outbox.retry(
            notification_id, self._now(), self._settings.notify_max_attempts
        )
        self._wake_sender()
        return record

    def _now(self) -> datetime:
        return utc_datetime(self._clock())


def _report_crash(task: asyncio.Task[None]) -> None:
    """A task that ends other than by cancellation is a bug: say so loudly."""
    if not task.cancelled() and task.exception() is not None:
        log.error("alerts.task_crashed", task=task.get_name(), exc_info=task.exception())
