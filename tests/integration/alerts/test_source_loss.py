"""End to end with real FFmpeg: a source that stops gives the offline webhook and email, its
return gives the recovery; the time from source loss to the webhook is measured."""

from __future__ import annotations

import json
import time
from pathlib import Path

from streamfleet.alerts.service import AlertService
from streamfleet.config import Settings
from streamfleet.db import migrate
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel_rules import ChannelSpec
from streamfleet.domain.status import Status
from streamfleet.engine.supervisor import Supervisor
from streamfleet.events.bus import InProcessBus
from tests.integration.alerts.conftest import SmtpReceiver, WebhookReceiver
from tests.support.media import Feeders, channel_url
from tests.support.processes import alive
from tests.support.waiting import eventually

GRACE_S = 2
WINDOW_S = 1.0
LOSS_TO_WEBHOOK_BOUND_S = GRACE_S + WINDOW_S + 8.0
"""Generous: detection (~2-3 s measured) + grace + group window + delivery, plus slack."""


async def test_a_stopped_source_sends_offline_webhook_and_email_and_its_return_the_recovery(
    sqlite_url: str,
    tmp_path: Path,
    feeders: Feeders,
    webhook_receiver: WebhookReceiver,
    smtp_receiver: SmtpReceiver,
) -> None:
    feeder = await feeders.start()
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=sqlite_url,
        demo=False,
        worker_name="e2e",
        alert_group_window_s=WINDOW_S,
        notify_retry_base_s=0.2,
    )
    database = Database(sqlite_url)
    await migrate.upgrade(database)
    record = await ChannelRepository(database.sessions, srt_port_range=(10000, 10999)).create(
        ChannelSpec(name="E2E", input_url=channel_url(feeder), offline_grace_s=GRACE_S)
    )
    channel = record.channel
    bus = InProcessBus()
    supervisor = Supervisor(settings, bus, EventRepository(database.sessions))
    service = AlertService(settings, database, bus)
    pids: set[int] = set()

    def status() -> Status | None:
        state = supervisor.state(channel.id)
        if state is not None and state.pid is not None:
            pids.add(state.pid)
        return state.status if state is not None else None

    try:
        await service.start()
        await service.targets.create(
            name="hook", kind="webhook", url=webhook_receiver.url, secret="s" * 16, filters={}
        )
        await service.targets.create(
            name="mail", kind="apprise", url=smtp_receiver.mailto_url(), secret=None, filters={}
        )
        await supervisor.start([channel])
        await eventually(lambda: status() is Status.ONLINE, 20, "channel online")

        await feeder.stop()
        lost_at = time.time()
        await eventually(lambda: status() is Status.OFFLINE, 10, "channel offline")
        offline_at = time.time()
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, 20, "offline webhook")
        arrived = webhook_receiver.requests[0].at
        await eventually(lambda: len(smtp_receiver.messages) == 1, 20, "offline email")
        print(
            f"source loss -> offline seen {offline_at - lost_at:.2f} s, "
            f"-> webhook {arrived - lost_at:.2f} s "
            f"(grace {GRACE_S} s, group window {WINDOW_S} s)"
        )
        assert arrived - lost_at < LOSS_TO_WEBHOOK_BOUND_S
        assert arrived - lost_at >= GRACE_S
        opened = json.loads(webhook_receiver.requests[0].body)
        assert opened["alerts"][0]["channel"]["slug"] == channel.slug
        assert "offline" in smtp_receiver.messages[0]["Subject"]

        await feeder.start()
        await eventually(lambda: status() is Status.ONLINE, 30, "channel online again")
        await eventually(lambda: len(webhook_receiver.delivered()) == 2, 20, "recovery webhook")
        await eventually(lambda: len(smtp_receiver.messages) == 2, 20, "recovery email")
        assert json.loads(webhook_receiver.requests[1].body)["event"] == "resolved"
        assert smtp_receiver.messages[1]["Subject"].startswith("[RESOLVED]")
    finally:
        status()
        await supervisor.shutdown()
        await service.stop()
        await database.dispose()
    assert [pid for pid in pids if alive(pid)] == []
