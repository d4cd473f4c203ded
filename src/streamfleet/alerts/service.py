"""Alerting wired together: bus envelopes → rules → alert rows → grouping → outbox → senders.

``AlertService`` subscribes to the event bus (status, content and channel
envelopes only), runs the rules and the grouping in one task and the outbox
sender in another. Neither ever runs in the engine's tasks: the bus hands
envelopes over through a bounded queue, so the engine never waits for us.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final

import structlog

from streamfleet.alerts.fanout import fan_out
from streamfleet.alerts.grouping import Batch, NotificationPlanner
from streamfleet.alerts.kinds import NotificationEvent, Rule, TargetKind
from streamfleet.alerts.messages import render_test
from streamfleet.alerts.outbox import OutboxSender
from streamfleet.alerts.rules import (
    AlertKey,
    AlertOpened,
    AlertResolved,
    ChannelInfo,
    Outcome,
    RuleEngine,
    RuleSettings,
)
from streamfleet.alerts.senders.apprise_sender import AppriseSender
from streamfleet.alerts.senders.delivery import Sender
from streamfleet.alerts.senders.webhook import WebhookSender
from streamfleet.alerts.views import alert_view, channel_slug, snapshot
from streamfleet.config import Settings
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.alerts import AlertRecord, AlertRepository, NewAlert
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.outbox import NewNotification, NotificationRecord, OutboxRepository
from streamfleet.db.repositories.targets import TargetRepository
from streamfleet.db.session import Database, Transactions
from streamfleet.domain.errors import NotFound
from streamfleet.events.bus import EventBus, Subscription
from streamfleet.events.envelope import Envelope, EventType

WATCHED: Final = frozenset(
    {
        EventType.STATUS,
        EventType.CONTENT,
        EventType.CHANNEL_CREATED,
        EventType.CHANNEL_UPDATED,
        EventType.CHANNEL_DELETED,
    }
)
QUEUE_SIZE: Final = 10_000
TEST_ATTEMPTS: Final = 1

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class TestOutcome:
    ok: bool
    error: str | None
    status_code: int | None
    notification: NotificationRecord


class AlertService:
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
        self._rules = self._new_rules()
        self._planner = self._new_planner()
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
        self._writing_alerts, self._writing_outbox = self.alerts, self.outbox
        """Where the rules' outcomes are written: fenced by the ``alerts`` term in a fleet."""
        self._known: set[str] = set()
        self._subscription: Subscription | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._lock = asyncio.Lock()

    # Life cycle ----------------------------------------------------------------------

    async def start(self, *, jobs: bool = True) -> None:
        """Subscribe, restore open alerts from the database, start the two tasks; with
        ``jobs=False`` nothing runs (a fleet's leaders run ``evaluate`` and ``deliver``)."""
        if not jobs:
            return
        self._subscription = self._subscribe()
        await self._restore()
        self._tasks = [
            asyncio.create_task(self._rules_loop(), name="alerts-rules"),
            asyncio.create_task(self.sender.run(), name="alerts-outbox"),
        ]
        for task in self._tasks:
            task.add_done_callback(_report_crash)
        log.info("alerts.started", targets=len(await self.targets.list(enabled_only=True)))

    async def stop(self) -> None:
        if self._subscription is not None:
            self._subscription.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for sender in self._senders.values():
            await sender.close()

    async def evaluate(self, writes: Transactions) -> None:
        """The ``alerts`` leader job: restore the open alerts, then run the rules until
        cancelled (a new leader starts from what the database holds); alerts opened and
        resolved, and notifications enqueued, in ``writes`` (fenced by the term)."""
        self._rules = self._new_rules()
        self._planner = self._new_planner()
        self._writing_alerts = self.alerts.fenced(writes)
        self._writing_outbox = self.outbox.fenced(writes)
        self._subscription = self._subscribe()
        try:
            await self._restore()
            await self._catch_up()
            await self._rules_loop()
        finally:
            self._subscription.close()
            self._writing_alerts, self._writing_outbox = self.alerts, self.outbox

    async def _catch_up(self) -> None:
        """Feed the rules each channel's status as the workers last stored it: a change
        published while no node evaluated (a handover) is not heard again on the bus."""
        now = self._clock()
        outcomes: list[Outcome] = []
        for record in await self.channels.records():
            since = record.status_since.isoformat() if record.status_since else None
            data = {"status": record.status.value, "since": since, "reason": record.status_reason}
            outcomes += self._rules.observe(
                Envelope(EventType.STATUS, record.channel.slug, data), now
            )
        async with self._lock:
            await self._apply(outcomes, now)

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

    def _new_rules(self) -> RuleEngine:
        return RuleEngine(
            RuleSettings(
                degraded_after_s=self._settings.alert_degraded_after_s,
                content_after_s=self._settings.alert_content_after_s,
                flap_threshold=self._settings.flap_threshold,
                flap_window_s=self._settings.flap_window_s,
            )
        )

    def _new_planner(self) -> NotificationPlanner:
        s = self._settings
        return NotificationPlanner(s.alert_group_window_s, s.flap_quiet_period_s)

    # Actions for the API -------------------------------------------------------------

    async def acknowledge(self, alert_id: int, by: str) -> AlertRecord:
        record, first = await self.alerts.acknowledge(alert_id, by, self._now())
        if first:
            self._publish("acknowledged", record)
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

    async def worker_lost(self, worker: str, reason: str = "") -> None:
        """Scale-out hook: a worker stopped heart-beating. Nothing calls it yet."""
        await self._apply_now(lambda now: self._rules.worker_lost(worker, now, reason))

    async def worker_back(self, worker: str) -> None:
        await self._apply_now(lambda now: self._rules.worker_back(worker, now))

    async def backup_failed(self, reason: str) -> None:
        """The backup schedule: a run failed or the newest backup is overdue."""
        await self._apply_now(lambda now: self._rules.backup_failed(now, reason))

    async def backup_ok(self) -> None:
        await self._apply_now(lambda now: self._rules.backup_ok(now))

    async def archive_space_low(self, reason: str) -> None:
        """The archive's retention paused recording: the disk is under the floor."""
        await self._apply_now(lambda now: self._rules.archive_space_low(now, reason))

    async def archive_space_ok(self) -> None:
        await self._apply_now(lambda now: self._rules.archive_space_ok(now))

    async def _apply_now(self, outcomes: Callable[[float], Sequence[Outcome]]) -> None:
        """An explicit call's outcomes (a rule evaluated at the current time), applied."""
        now = self._clock()
        async with self._lock:
            await self._apply(outcomes(now), now)
            await self._flush(now)

    # The rules task ------------------------------------------------------------------

    def _subscribe(self) -> Subscription:
        return self._bus.subscribe(QUEUE_SIZE, lambda e: e.type in WATCHED)

    async def _rules_loop(self) -> None:
        while True:
            envelope = await self._next_envelope()
            now = self._clock()
            try:
                async with self._lock:
                    outcomes: list[Outcome] = []
                    if envelope is not None:
                        await self._learn_channel(envelope, now)
                        outcomes += self._rules.observe(envelope, now)
                    outcomes += self._rules.tick(now)
                    await self._apply(outcomes, now)
                    await self._flush(now)
            except DatabaseUnavailable as exc:
                log.error("alerts.db_unavailable", error=str(exc))

    async def _next_envelope(self) -> Envelope | None:
        """The next watched envelope, or ``None`` when a rule or grouping deadline came first."""
        pending = (self._rules.next_deadline(), self._planner.next_deadline())
        deadlines = [d for d in pending if d is not None]
        timeout = max(0.0, min(deadlines) - self._clock()) if deadlines else None
        subscription = self._subscription
        assert subscription is not None
        try:
            async with asyncio.timeout(timeout):
                envelope = await subscription.get()
        except TimeoutError:
            return None
        if envelope is None:
            # The queue overflowed and the bus cut us off: take a new subscription.
            log.error("alerts.subscription_lost", overflowed=subscription.overflowed)
            self._subscription = self._subscribe()
        return envelope

    async def _learn_channel(self, envelope: Envelope, now: float) -> None:
        """Read a channel's configuration from the repository (a domain ``Channel``) when it
        was created or changed, or when the rules hear of a channel they do not know."""
        slug = envelope.channel
        if slug is None:
            return
        changed = envelope.type in (EventType.CHANNEL_CREATED, EventType.CHANNEL_UPDATED)
        unknown = envelope.type in (EventType.STATUS, EventType.CONTENT) and slug not in self._known
        if not (changed or unknown):
            return
        try:
            record = await self.channels.get_by_slug(slug)
        except NotFound:
            record = None
        self._known.add(slug)
        if record is not None:
            info = ChannelInfo.from_channel(record.channel)
            await self._apply(self._rules.set_channel(info, now), now)

    async def _restore(self) -> None:
        now = self._clock()
        for channel in await self.channels.all():
            self._rules.set_channel(ChannelInfo.from_channel(channel), now)
            self._known.add(channel.slug)
        for record in await self.alerts.list_open():
            try:
                key = AlertKey(record.subject, Rule(record.rule))
            except ValueError:
                continue
            self._rules.restore(key, record.started_at.timestamp())
            if record.notified:
                self._planner.restore_notified([(record.id, record.subject)])
            else:
                self._planner.opened(record.id, record.subject, now)

    async def _apply(self, outcomes: Sequence[Outcome], now: float) -> None:
        for outcome in outcomes:
            if isinstance(outcome, AlertOpened):
                await self._open(outcome, now)
            elif isinstance(outcome, AlertResolved):
                record = await self._writing_alerts.resolve(
                    outcome.key.subject,
                    outcome.key.rule.value,
                    _dt(outcome.ended_at),
                    outcome.reason,
                )
                if record is not None:
                    self._planner.resolved(record.id, now)
                    self._publish("resolved", record)
                    log.info(
                        "alert.resolved", id=record.id, rule=record.rule, subject=record.subject
                    )

    async def _open(self, outcome: AlertOpened, now: float) -> None:
        info = outcome.channel
        data = dict(outcome.data)
        if info is not None:
            data["channel"] = info.as_dict()
        record = await self._writing_alerts.open(
            NewAlert(
                channel_id=info.id if info else None,
                subject=outcome.key.subject,
                rule=outcome.rule.value,
                severity=outcome.severity.value,
                summary=outcome.summary,
                started_at=_dt(outcome.started_at),
                data=data,
            )
        )
        self._planner.opened(record.id, record.subject, now)
        self._publish("opened", record)
        log.info("alert.opened", id=record.id, rule=record.rule, subject=record.subject)

    async def _flush(self, now: float) -> None:
        """Send what grouping says is due; openings wait while more channels are going down."""
        await self._dispatch(self._planner.tick(now, self._rules.pending_offline() > 0), now)

    async def _dispatch(self, batches: Sequence[Batch], now: float) -> None:
        """Write one outbox row per target that wants part of each batch."""
        if not batches:
            return
        targets = await self.targets.list(enabled_only=True)
        at = _dt(now)
        for batch in batches:
            alerts = [snapshot(r) for r in await self.alerts.get_many(batch.alert_ids)]
            plan = fan_out(batch, alerts, targets, at, self._settings.notify_max_attempts)
            items = plan.notifications
            await self._writing_outbox.enqueue(
                items, at, notified=plan.notified, folded=batch.folded
            )
            log.info(
                "alerts.batch",
                kind=batch.event.value,
                alerts=len(batch.alert_ids),
                notifications=len(items),
            )
        self._wake_sender()

    def _publish(self, change: str, record: AlertRecord) -> None:
        view = alert_view(record, self._now())
        self._bus.publish_nowait(
            Envelope(EventType.ALERT, channel_slug(record), {"change": change, "alert": view})
        )

    def _now(self) -> datetime:
        return _dt(self._clock())


def _report_crash(task: asyncio.Task[None]) -> None:
    """A task that ends other than by cancellation is a bug: say so loudly."""
    if not task.cancelled() and task.exception() is not None:
        log.error("alerts.task_crashed", task=task.get_name(), exc_info=task.exception())


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
