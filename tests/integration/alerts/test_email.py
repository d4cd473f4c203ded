"""A real SMTP server (aiosmtpd) receives the offline and the recovered email via apprise."""

from __future__ import annotations

from streamfleet.alerts.service import AlertService
from streamfleet.db.session import Database
from streamfleet.events.bus import InProcessBus
from tests.integration.alerts.conftest import (
    SmtpReceiver,
    fast_settings,
    make_channels,
    status_envelope,
)
from tests.support.waiting import eventually


async def test_an_smtp_server_receives_the_offline_and_the_recovered_email(
    alert_database: Database, smtp_receiver: SmtpReceiver
) -> None:
    bus = InProcessBus()
    [slug] = await make_channels(alert_database, 1)
    async with AlertService(fast_settings(), alert_database, bus) as svc:
        await svc.targets.create(
            name="ops mail",
            kind="apprise",
            url=smtp_receiver.mailto_url(),
            secret=None,
            filters={},
        )
        await bus.publish(status_envelope(slug, "online", "starting"))
        await bus.publish(status_envelope(slug, "offline", "online", "input timeout"))
        await eventually(lambda: len(smtp_receiver.messages) == 1, what="offline email")
        await bus.publish(status_envelope(slug, "online", "offline"))
        await eventually(lambda: len(smtp_receiver.messages) == 2, what="recovered email")

    offline, recovered = smtp_receiver.messages
    assert offline["To"] == "ops@example.com"
    assert offline["Subject"] == f"[CRITICAL] Ch 0 ({slug}) is offline: input timeout"
    assert "input timeout" in offline.get_body(("plain",)).get_content()
    assert recovered["Subject"] == f"[RESOLVED] Ch 0 ({slug}): offline resolved"
    assert "offline resolved after" in recovered.get_body(("plain",)).get_content()


async def test_an_unreachable_smtp_server_is_a_failed_attempt_with_the_error(
    alert_database: Database, smtp_receiver: SmtpReceiver
) -> None:
    async with AlertService(fast_settings(), alert_database, InProcessBus()) as svc:
        port = smtp_receiver.port
        smtp_receiver.stop()
        target = await svc.targets.create(
            name="down",
            kind="apprise",
            url=f"mailto://127.0.0.1:{port}?from=a@example.com&to=b@example.com",
            secret=None,
            filters={},
        )
        outcome = await svc.send_test(target.id)
    assert not outcome.ok
    assert outcome.notification.state == "failed"
    assert outcome.error
    assert "127.0.0.1" in outcome.error
