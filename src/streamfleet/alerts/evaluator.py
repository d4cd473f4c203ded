"""The rules task: bus envelopes → rules → alert rows → grouping → outbox rows.

``AlertEvaluator`` listens to the event bus (status, content and channel envelopes only)
through a bounded queue, so the engine never waits for it. It feeds the rules, wakes them
at their next deadline, writes the alerts they open and resolve, publishes each change on
the bus, and writes the outbox rows grouping says are due; then it wakes the sender.

``AlertService`` owns one (``alerts/service.py``): ``serve`` runs ``run()`` in a task of
its own, a fleet's ``alerts`` leader runs ``evaluate(writes)`` with every write fenced by
its term. Explicit calls (``alerts/hooks.py``) go through ``apply_now``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final

import structlog

from streamfleet.alerts.fanout import fan_out
from streamfleet.alerts.grouping import Batch, NotificationPlanner
from streamfleet.alerts.kinds import Rule
from streamfleet.alerts.rules import (
    AlertKey,
    AlertOpened,
    AlertResolved,
    ChannelInfo,
    Outcome,
    RuleEngine,
    RuleSettings,
)
from streamfleet.alerts.views import alert_view, channel_slug, snapshot
from streamfleet.config import Settings
from streamfleet.db.errors import DatabaseUnavailable
from streamfleet.db.repositories.alerts import AlertRecord, AlertRepository, NewAlert
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.outbox import OutboxRepository
from streamfleet.db.repositories.targets import TargetRepository
from streamfleet.db.session import Transactions
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

RuleCall = Callable[[RuleEngine, float], Sequence[Outcome]]
"""An explicit call on the rules at a time (Unix seconds): what it opened and resolved."""

log = structlog.get_logger()


class AlertEvaluator:
    def __init__(
        self,
        settings: Settings,
        bus: EventBus,
        *,
        alerts: AlertRepository,
        channels: ChannelRepository,
        targets: TargetRepository,
        outbox: OutboxRepository,
        wake_sender: Callable[[], None],
        clock: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._bus = bus
        self._clock = clock
        self.alerts = alerts
        self.channels = channels
        self.targets = targets
        self.outbox = outbox
        self._wake_sender = wake_sender
        self._rules = self._new_rules()
        self._planner = self._new_planner()
        self._writing_alerts, self._writing_outbox = alerts, outbox
        """Where the rules' outcomes are written: fenced by the ``alerts`` term in a fleet."""
        self._known: set[str] = set()
        self._subscription: Subscription | None = None
        self._lock = asyncio.Lock()

    def subscribe(self) -> None:
        self._subscription = self._subscribe()

    def close(self) -> None:
        if self._subscription is not None:
            self._subscription.close()

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
            await self.restore()
            await self._catch_up()
            await self.run()
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

    async def apply_now(self, call: RuleCall) -> None:
        """An explicit call's outcomes (a rule evaluated at the current time), applied."""
        now = self._clock()
        async with self._lock:
            await self._apply(call(self._rules, now), now)
            await self._flush(now)

    # The rules task ------------------------------------------------------------------

    def _subscribe(self) -> Subscription:
        return self._bus.subscribe(QUEUE_SIZE, lambda e: e.type in WATCHED)

    async def run(self) -> None:
        """Feed the rules every watched envelope and every deadline, until cancelled."""
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

    async def restore(self) -> None:
        """Learn every channel and the open alerts from the database."""
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
                    utc_datetime(outcome.ended_at),
                    outcome.reason,
                )
                if record is not None:
                    self._planner.resolved(record.id, now)
                    self.publish("resolved", record)
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
                started_at=utc_datetime(outcome.started_at),
                data=data,
            )
        )
        self._planner.opened(record.id, record.subject, now)
        self.publish("opened", record)
        log.info("alert.opened", id=record.id, rule=record.rule, subject=record.subject)

    async def _flush(self, now: float) -> None:
        """Send what grouping says is due; openings wait while more channels are going down."""
        await self._dispatch(self._planner.tick(now, self._rules.pending_offline() > 0), now)

    async def _dispatch(self, batches: Sequence[Batch], now: float) -> None:
        """Write one outbox row per target that wants part of each batch."""
        if not batches:
            return
        targets = await self.targets.list(enabled_only=True)
        at = utc_datetime(now)
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

    def publish(self, change: str, record: AlertRecord) -> None:
        """An ``alert`` envelope on the bus: the alert was opened, resolved or acknowledged."""
        view = alert_view(record, utc_datetime(self._clock()))
        self._bus.publish_nowait(
            Envelope(EventType.ALERT, channel_slug(record), {"change": change, "alert": view})
        )


def utc_datetime(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)
