"""Alerts reach a real HTTP receiver as signed webhooks, with retries through the outbox."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time

import pytest

from streamfleet.alerts.service import AlertService
from streamfleet.db.session import Database
from streamfleet.events.bus import InProcessBus
from tests.integration.alerts.conftest import (
    WebhookReceiver,
    fast_settings,
    free_port,
    make_channels,
    status_envelope,
)
from tests.support.waiting import eventually

SECRET = "test-secret-1234"


def verify(secret: str, headers: dict[str, str], body: bytes, tolerance_s: int = 300) -> bool:
    """The verification snippet of docs/webhooks.md, verbatim."""
    timestamp = headers["X-Streamfleet-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance_s:
        return False
    signed = timestamp.encode() + b"." + body
    expected = "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Streamfleet-Signature"])


async def add_webhook(service: AlertService, receiver: WebhookReceiver, name: str = "hook") -> int:
    target = await service.targets.create(
        name=name, kind="webhook", url=receiver.url, secret=SECRET, filters={}
    )
    return target.id


async def test_a_channel_offline_past_its_grace_sends_one_signed_webhook(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    [slug] = await make_channels(alert_database, 1)
    async with AlertService(fast_settings(), alert_database, bus) as service:
        await add_webhook(service, webhook_receiver)
        await bus.publish(status_envelope(slug, "online", "starting"))
        lost_at = time.time()
        await bus.publish(status_envelope(slug, "offline", "online", "no progress for 1.2 s"))
        await eventually(lambda: len(webhook_receiver.requests) == 1, what="webhook arrives")

    [request] = webhook_receiver.requests
    assert verify(SECRET, request.headers, request.body)
    assert not verify("wrong-secret", request.headers, request.body)
    assert request.headers["X-Streamfleet-Event"] == "opened"
    assert request.headers["X-Streamfleet-Attempt"] == "1"
    body = json.loads(request.body)
    assert body["event"] == "opened"
    assert body["id"] == int(request.headers["X-Streamfleet-Delivery"])
    [alert] = body["alerts"]
    assert alert["rule"] == "offline"
    assert alert["severity"] == "critical"
    assert alert["channel"]["slug"] == slug
    assert alert["summary"] == f"Ch 0 ({slug}) is offline: no progress for 1.2 s"
    assert request.at - lost_at >= 1.0  # the 1 s grace period


async def test_a_receiver_failing_twice_then_succeeding_gets_one_delivery_after_three_attempts(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    [slug] = await make_channels(alert_database, 1)
    webhook_receiver.script = [500, 503]
    async with AlertService(fast_settings(), alert_database, bus) as service:
        await add_webhook(service, webhook_receiver)
        await bus.publish(status_envelope(slug, "offline", "online"))
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="delivered")
        # The receiver answers before the row is marked: wait for the row's state.
        [row] = (await service.outbox.list_page()).items

        async def marked() -> bool:
            return (await service.outbox.get(row.id)).state == "delivered"

        await eventually(marked, what="row marked delivered")
        record = await service.outbox.get(row.id, with_attempts=True)

    assert (record.state, record.attempts) == ("delivered", 3)
    assert record.attempt_log is not None
    assert [(a.ok, a.status_code) for a in record.attempt_log] == [
        (False, 500),
        (False, 503),
        (True, 204),
    ]
    assert record.attempt_log[0].error == "HTTP 500: status 500 from receiver"
    requests = webhook_receiver.requests
    assert [r.headers["X-Streamfleet-Attempt"] for r in requests] == ["1", "2", "3"]
    assert len({r.headers["X-Streamfleet-Delivery"] for r in requests}) == 1
    assert len({r.body for r in requests}) == 1
    assert all(verify(SECRET, r.headers, r.body) for r in requests)
    gaps = [b.at - a.at for a, b in itertools.pairwise(requests)]
    assert gaps[0] >= 0.2
    assert gaps[1] >= 0.4


async def test_a_receiver_that_keeps_failing_leaves_a_failed_row_that_retry_delivers(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    [slug] = await make_channels(alert_database, 1)
    webhook_receiver.script = [500, 500, 502]
    async with AlertService(fast_settings(), alert_database, bus) as service:
        await add_webhook(service, webhook_receiver)
        await bus.publish(status_envelope(slug, "offline", "online"))

        async def failed() -> bool:
            return (await service.outbox.list_page(state="failed")).total == 1

        await eventually(failed, what="row failed after 3 attempts")
        [row] = (await service.outbox.list_page(state="failed")).items
        assert (row.attempts, row.last_error) == (3, "HTTP 502: status 502 from receiver")
        assert len(webhook_receiver.requests) == 3

        retried = await service.retry(row.id)
        assert retried.state == "pending"
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="retry delivered")

        async def delivered() -> bool:
            return (await service.outbox.get(row.id)).state == "delivered"

        await eventually(delivered, what="row marked delivered")
        assert (await service.outbox.get(row.id)).attempts == 4


async def test_rows_left_pending_by_a_stopped_server_are_delivered_after_a_restart(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    [slug] = await make_channels(alert_database, 1)
    webhook_receiver.script = [503]
    # The first server must stop before its retry is due: 3 s leave a loaded machine time to
    # see the first attempt recorded and stop (the second server waits for it too).
    settings = fast_settings(notify_retry_base_s=3.0)
    async with AlertService(settings, alert_database, bus) as first:
        await add_webhook(first, webhook_receiver)
        await bus.publish(status_envelope(slug, "offline", "online"))

        async def tried_once() -> bool:
            page = await first.outbox.list_page()
            return page.total == 1 and page.items[0].attempts == 1

        await eventually(tried_once, what="first attempt failed")
    [row] = (await first.outbox.list_page()).items
    assert row.state == "pending"
    assert webhook_receiver.delivered() == []

    async with AlertService(settings, alert_database, InProcessBus()) as second:
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="delivered")

        async def settled() -> bool:
            return (await second.outbox.get(row.id)).state == "delivered"

        await eventually(settled, what="row delivered")
    assert len(webhook_receiver.requests) == 2
    assert webhook_receiver.requests[1].headers["X-Streamfleet-Attempt"] == "2"


async def test_alerts_open_before_a_restart_are_resolved_and_their_recovery_is_sent(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    [slug] = await make_channels(alert_database, 1)
    bus = InProcessBus()
    async with AlertService(fast_settings(), alert_database, bus) as first:
        await add_webhook(first, webhook_receiver)
        await bus.publish(status_envelope(slug, "offline", "online"))
        await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="opened sent")

    bus = InProcessBus()
    async with AlertService(fast_settings(), alert_database, bus) as second:
        await bus.publish(status_envelope(slug, "starting", "stopped"))
        await bus.publish(status_envelope(slug, "online", "starting"))
        await eventually(lambda: len(webhook_receiver.delivered()) == 2, what="resolved sent")
        assert (await second.alerts.list_page(state="open")).total == 0
    resolved = json.loads(webhook_receiver.requests[1].body)
    assert resolved["event"] == "resolved"
    assert resolved["alerts"][0]["data"]["resolve_reason"] == "recovered"


async def test_a_graceful_stop_records_the_delivery_in_flight_so_a_restart_sends_nothing(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    [slug] = await make_channels(alert_database, 1)
    bus = InProcessBus()
    webhook_receiver.gate.clear()  # the receiver holds its answer
    service = AlertService(fast_settings(), alert_database, bus)
    await service.start()
    await add_webhook(service, webhook_receiver)
    await bus.publish(status_envelope(slug, "offline", "online"))
    await eventually(lambda: len(webhook_receiver.requests) == 1, what="request in flight")
    stopping = asyncio.create_task(service.stop())
    # Give the stop time to cancel the send if it were going to; then the receiver answers.
    await asyncio.wait({stopping}, timeout=0.5)
    webhook_receiver.gate.set()
    await stopping

    [row] = (await service.outbox.list_page()).items
    assert (row.state, row.attempts) == ("delivered", 1)
    async with AlertService(fast_settings(), alert_database, InProcessBus()) as again:
        assert (await again.outbox.get(row.id)).state == "delivered"
    assert len(webhook_receiver.requests) == 1


async def test_send_test_reports_the_answer_of_the_target(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    async with AlertService(fast_settings(), alert_database, InProcessBus()) as service:
        target_id = await add_webhook(service, webhook_receiver)
        ok = await service.send_test(target_id)
        webhook_receiver.script = [500]
        failed = await service.send_test(target_id)

    assert (ok.ok, ok.status_code, ok.notification.state) == (True, 204, "delivered")
    assert (failed.ok, failed.status_code, failed.notification.state) == (False, 500, "failed")
    assert failed.error == "HTTP 500: status 500 from receiver"
    body = json.loads(webhook_receiver.requests[0].body)
    assert (body["event"], body["alerts"]) == ("test", [])
    assert verify(SECRET, webhook_receiver.requests[0].headers, webhook_receiver.requests[0].body)


async def test_credentials_in_a_target_url_never_reach_the_error_or_the_log(
    alert_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    url = f"http://ops:hunter2@127.0.0.1:{port}/hook?token=tok3n"
    async with AlertService(fast_settings(), alert_database, InProcessBus()) as service:
        target = await service.targets.create(
            name="nobody home", kind="webhook", url=url, secret=SECRET, filters={}
        )
        outcome = await service.send_test(target.id)
    assert not outcome.ok
    assert outcome.error
    captured = capsys.readouterr()
    for text in (outcome.error, captured.out, captured.err):
        assert "hunter2" not in text
        assert "tok3n" not in text


async def test_a_target_that_never_answers_delays_no_other_target(
    alert_database: Database, webhook_receiver: WebhookReceiver
) -> None:
    bus = InProcessBus()
    [slug] = await make_channels(alert_database, 1)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts connections, never answers
        host, port = silent.getsockname()
        settings = fast_settings(notify_timeout_s=4.0)
        async with AlertService(settings, alert_database, bus) as service:
            await service.targets.create(
                name="a silent",
                kind="webhook",
                url=f"http://{host}:{port}/",
                secret=SECRET,
                filters={},
            )
            await add_webhook(service, webhook_receiver, name="b works")
            await bus.publish(status_envelope(slug, "offline", "online"))
            await eventually(lambda: len(webhook_receiver.delivered()) == 1, what="b delivered")

            async def silent_failed_once() -> bool:
                rows = (await service.outbox.list_page(state="pending")).items
                return any(r.target_name == "a silent" and r.attempts == 1 for r in rows)

            await eventually(silent_failed_once, what="silent target timed out once")
            [row] = [
                r for r in (await service.outbox.list_page()).items if r.target_name == "a silent"
            ]
            assert row.last_error == "no answer within 4 s"
            # "a silent" is first in the outbox: a sender that waited on it would have
            # recorded its timed-out attempt before "b works" heard anything.
            record = await service.outbox.get(row.id, with_attempts=True)
            [timed_out] = record.attempt_log
            assert webhook_receiver.requests[0].at < timed_out.at.timestamp()
