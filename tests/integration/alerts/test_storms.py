"""No alert storms: a grouped message per target, flap folding, recoveries only when notified."""

from __future__ import annotations

import json

from streamfleet.alerts.service import AlertService
from streamfleet.db.session import Database
from streamfleet.events.bus import InProcessBus
from tests.integration.alerts.conftest import (
    WebhookReceiver,
    fast_settings,
    make_channels,
    status_envelope,
)
from tests.support.waiting import eventually


async def test_ten_channels_going_offline_together_give_one_grouped_message_per_target(
    alert_database: Database, webhook_receiver: WebhookReceiver, second_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    slugs = await make_channels(alert_database, 10)
    async with AlertService(fast_settings(alert_group_window_s=1.0), alert_database, bus) as svc:
        for name, receiver in (("a", webhook_receiver), ("b", second_receiver)):
            await svc.targets.create(
                name=name, kind="webhook", url=receiver.url, secret="s" * 16, filters={}
            )
        for slug in slugs:
            await bus.publish(status_envelope(slug, "offline", "online", "upstream gone"))
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="a got it")
        await eventually(lambda: len(second_receiver.delivered()) == 1, what="b got it")

        for slug in slugs:
            await bus.publish(status_envelope(slug, "online", "offline"))
        await eventually(lambda: len(webhook_receiver.delivered()) == 2, what="a recovered")
        await eventually(lambda: len(second_receiver.delivered()) == 2, what="b recovered")
        rows = (await svc.outbox.list_page()).items
        alerts = await svc.alerts.list_page(state="resolved")

    assert len(rows) == 4
    assert alerts.total == 10
    for receiver in (webhook_receiver, second_receiver):
        opened, resolved = (json.loads(r.body) for r in receiver.requests)
        assert opened["title"] == "[CRITICAL] 10 channels offline"
        assert sorted(a["channel"]["slug"] for a in opened["alerts"]) == sorted(slugs)
        assert resolved["event"] == "resolved"
        assert len(resolved["alerts"]) == 10


async def test_a_target_gets_only_the_tags_and_severities_it_asked_for(
    alert_database: Database, webhook_receiver: WebhookReceiver, second_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    [news] = await make_channels(alert_database, 1, tags=("news",))
    async with AlertService(fast_settings(), alert_database, bus) as svc:
        await svc.targets.create(
            name="sport desk",
            kind="webhook",
            url=webhook_receiver.url,
            secret="s" * 16,
            filters={"tags": ["sport"]},
        )
        await svc.targets.create(
            name="news desk",
            kind="webhook",
            url=second_receiver.url,
            secret="s" * 16,
            filters={"tags": ["news"], "severities": ["critical"], "on_resolve": False},
        )
        await bus.publish(status_envelope(news, "offline", "online"))
        await eventually(lambda: len(second_receiver.delivered()) == 1, what="news desk told")
        await bus.publish(status_envelope(news, "online", "offline"))

        async def resolved() -> bool:
            return (await svc.alerts.list_page(state="resolved")).total == 1

        await eventually(resolved, what="alert resolved")
        rows = (await svc.outbox.list_page()).items
    assert webhook_receiver.requests == []
    assert [r.event for r in rows] == ["opened"]


async def test_a_short_outage_inside_the_grace_period_sends_nothing(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    brief, lost = await make_channels(alert_database, 2)
    async with AlertService(fast_settings(), alert_database, bus) as svc:
        await svc.targets.create(
            name="a", kind="webhook", url=webhook_receiver.url, secret="s" * 16, filters={}
        )
        await bus.publish(status_envelope(brief, "offline", "online"))
        await bus.publish(status_envelope(brief, "online", "offline"))
        await bus.publish(status_envelope(brief, "degraded", "online"))
        await bus.publish(status_envelope(brief, "online", "degraded"))
        await bus.publish(status_envelope(lost, "offline", "online"))
        # Envelopes are handled in order: once the later loss has alerted, the brief one is done.
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="lost alerted")
        alerts = (await svc.alerts.list_page()).items
    assert [a.subject for a in alerts] == [lost]
    [request] = webhook_receiver.requests
    assert [a["channel"]["slug"] for a in json.loads(request.body)["alerts"]] == [lost]


async def test_a_flapping_channel_notifies_once_and_counts_the_folded_alerts(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    [slug] = await make_channels(alert_database, 1)
    # The quiet period is what lets the check "nothing sent yet" below come after the offline
    # alert opened (1 s grace) and before the folded message: long enough for a loaded machine.
    settings = fast_settings(alert_group_window_s=0.2, flap_quiet_period_s=5.0, flap_threshold=2)
    async with AlertService(settings, alert_database, bus) as svc:
        await svc.targets.create(
            name="a", kind="webhook", url=webhook_receiver.url, secret="s" * 16, filters={}
        )
        for _ in range(3):
            await bus.publish(status_envelope(slug, "online", "starting"))
            await bus.publish(status_envelope(slug, "offline", "online"))
        # Three losses > threshold 2: a flapping alert, notified once.
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="flapping told")
        first = json.loads(webhook_receiver.requests[0].body)
        assert [a["rule"] for a in first["alerts"]] == ["flapping"]

        # The channel stays down past its grace: the offline alert is folded (quiet period)…
        async def offline_open() -> bool:
            return (await svc.alerts.list_page(state="open", rule="offline")).total == 1

        await eventually(offline_open, what="offline alert open")
        assert len(webhook_receiver.requests) == 1
        # …and sent once the quiet period is over, saying one alert was folded.
        await eventually(lambda: len(webhook_receiver.delivered()) == 2, what="folded sent")
    first_at, second_at = (r.at for r in webhook_receiver.requests)
    assert second_at - first_at >= 3.0  # held through the 5 s quiet period the first began
    second = json.loads(webhook_receiver.requests[1].body)
    [offline] = second["alerts"]
    assert offline["rule"] == "offline"
    assert offline["folded_flaps"] == 1
    assert "folded since the last message" in second["text"]
