"""The alerting API over HTTP (in-process app): targets, alerts, outbox, uptime, CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from streamfleet.domain.status import Status, StatusChanged, StatusEvent
from tests.integration.alerts.conftest import WebhookReceiver, status_envelope
from tests.support.server import ApiClient, api_client_for, settings_for_test
from tests.support.waiting import eventually

FAST = {"alert_group_window_s": 0.3, "notify_retry_base_s": 0.1, "notify_timeout_s": 5.0}


@pytest.fixture
async def alerting_api(tmp_path: Path) -> AsyncIterator[ApiClient]:
    async with api_client_for(settings_for_test(tmp_path / "data", **FAST)) as client:
        yield client


async def create_channel(api: ApiClient, name: str = "News", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "input_url": "udp://239.0.0.1:1234", "offline_grace_s": 1, **fields}
    response = await api.post("/api/v1/channels", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def create_webhook(
    api: ApiClient, receiver: WebhookReceiver, **fields: Any
) -> dict[str, Any]:
    body = {"name": "ops", "kind": "webhook", "url": receiver.url, **fields}
    response = await api.post("/api/v1/targets", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# Targets ----------------------------------------------------------------------------------


async def test_a_new_webhook_gets_a_secret_shown_once(
    alerting_api: ApiClient, webhook_receiver: WebhookReceiver
) -> None:
    created = await create_webhook(alerting_api, webhook_receiver)
    assert len(created["secret"]) >= 32
    assert created["secret_hint"] == "…" + created["secret"][-4:]
    assert created["filters"] == {"tags": [], "severities": [], "on_open": True, "on_resolve": True}
    shown = (await alerting_api.get(f"/api/v1/targets/{created['id']}")).json()
    assert shown["secret"] is None
    assert shown["secret_hint"] == created["secret_hint"]
    listed = (await alerting_api.get("/api/v1/targets")).json()
    assert listed["total"] == 1
    assert listed["items"][0]["id"] == created["id"]


async def test_target_urls_are_answered_without_their_credentials(alerting_api: ApiClient) -> None:
    hook = await alerting_api.post(
        "/api/v1/targets",
        json={
            "name": "h",
            "kind": "webhook",
            "url": "https://user:pw@hooks.example.com/x?token=abc",
        },
    )
    mail = await alerting_api.post(
        "/api/v1/targets",
        json={
            "name": "m",
            "kind": "apprise",
            "url": "mailto://ops:hunter2@smtp.example.com?to=a@example.com",
        },
    )
    assert hook.json()["url"] == "https://***@hooks.example.com/x?token=***"
    assert "hunter2" not in mail.json()["url"]
    assert mail.json()["secret"] is None
    assert mail.json()["secret_hint"] is None


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"name": "x", "kind": "webhook", "url": "ftp://example.com/"}, "url", 422),
        ({"name": "x", "kind": "apprise", "url": "nonsense://what"}, "url", 422),
        (
            {"name": "x", "kind": "apprise", "url": "ntfy://topic", "secret": "s" * 16},
            "secret",
            422,
        ),
        (
            {"name": "x", "kind": "webhook", "url": "http://h.example/", "secret": "short"},
            "secret",
            422,
        ),
        ({"name": "x", "kind": "sms", "url": "http://h.example/"}, "kind", 422),
        (
            {
                "name": "x",
                "kind": "webhook",
                "url": "http://h.example/",
                "filters": {"severities": ["loud"]},
            },
            "filters.severities.0",
            422,
        ),
    ],
)
async def test_a_bad_target_is_refused_naming_the_field(
    alerting_api: ApiClient, body: dict[str, Any], field: str, status: int
) -> None:
    response = await alerting_api.post("/api/v1/targets", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_target_names_are_unique(
    alerting_api: ApiClient, webhook_receiver: WebhookReceiver
) -> None:
    await create_webhook(alerting_api, webhook_receiver)
    again = await alerting_api.post(
        "/api/v1/targets", json={"name": "ops", "kind": "webhook", "url": webhook_receiver.url}
    )
    assert again.status_code == 409
    assert again.json()["errors"][0]["field"] == "name"


async def test_a_target_can_be_renamed_filtered_rotated_and_deleted(
    alerting_api: ApiClient, webhook_receiver: WebhookReceiver
) -> None:
    created = await create_webhook(alerting_api, webhook_receiver)
    path = f"/api/v1/targets/{created['id']}"
    patched = await alerting_api.patch(
        path, json={"name": "night shift", "filters": {"tags": ["news"]}, "enabled": False}
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert (body["name"], body["enabled"], body["filters"]["tags"]) == (
        "night shift",
        False,
        ["news"],
    )
    assert body["secret"] is None
    rotated = (await alerting_api.patch(path, json={"rotate_secret": True})).json()
    assert rotated["secret"] not in (None, created["secret"])
    kind = await alerting_api.patch(path, json={"kind": "apprise"})
    assert kind.status_code == 422
    assert (await alerting_api.delete(path)).status_code == 204
    assert (await alerting_api.get(path)).status_code == 404


async def test_send_test_delivers_a_signed_test_message_and_records_it(
    alerting_api: ApiClient, webhook_receiver: WebhookReceiver
) -> None:
    target = await create_webhook(alerting_api, webhook_receiver)
    response = await alerting_api.post(f"/api/v1/targets/{target['id']}/test")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ok"], body["status_code"], body["error"]) == (True, 204, None)
    assert body["notification"]["event"] == "test"
    assert body["notification"]["state"] == "delivered"
    [request] = webhook_receiver.requests
    assert json.loads(request.body)["event"] == "test"


# Alerts and the outbox --------------------------------------------------------------------


async def test_an_offline_channel_shows_an_open_alert_that_can_be_acknowledged_and_resolves(
    alerting_api: ApiClient, webhook_receiver: WebhookReceiver
) -> None:
    channel = await create_channel(alerting_api)
    await create_webhook(alerting_api, webhook_receiver)
    bus = alerting_api.app.state.bus
    live = bus.subscribe(accept=lambda e: e.type.value == "alert")
    await bus.publish(status_envelope(channel["slug"], "offline", "online", "input timeout"))

    async def one_open() -> bool:
        page = (await alerting_api.get("/api/v1/alerts?state=open")).json()
        return bool(page["total"] == 1)

    await eventually(one_open, what="alert open")
    [alert] = (await alerting_api.get("/api/v1/alerts?state=open")).json()["items"]
    assert alert["channel_id"] == channel["id"]
    assert alert["channel"] == channel["slug"]
    assert (alert["rule"], alert["severity"], alert["state"]) == ("offline", "critical", "open")
    assert alert["ended_at"] is None

    ack = await alerting_api.post(f"/api/v1/alerts/{alert['id']}/ack", json={"by": "alice"})
    assert ack.status_code == 200, ack.text
    assert ack.json()["acknowledged_by"] == "alice"
    again = await alerting_api.post(f"/api/v1/alerts/{alert['id']}/ack", json={"by": "bob"})
    assert again.json()["acknowledged_by"] == "alice"

    await bus.publish(status_envelope(channel["slug"], "online", "offline"))

    async def resolved() -> bool:
        page = (await alerting_api.get("/api/v1/alerts?state=resolved")).json()
        return bool(page["total"] == 1)

    await eventually(resolved, what="alert resolved")
    done = (await alerting_api.get(f"/api/v1/alerts/{alert['id']}")).json()
    assert done["state"] == "resolved"
    assert done["duration_s"] >= 0
    changes = []
    while len(changes) < 3:
        envelope = await live.get()
        assert envelope is not None
        changes.append(envelope.data["change"])
    assert changes == ["opened", "acknowledged", "resolved"]
    assert (await alerting_api.get("/api/v1/alerts/999")).status_code == 404


async def test_the_outbox_shows_failed_rows_with_the_last_error_and_retries_them(
    alerting_api: ApiClient, webhook_receiver: WebhookReceiver
) -> None:
    channel = await create_channel(alerting_api)
    await create_webhook(alerting_api, webhook_receiver)
    webhook_receiver.script = [500, 500, 500]
    await alerting_api.app.state.bus.publish(status_envelope(channel["slug"], "offline", "online"))

    async def failed() -> bool:
        page = (await alerting_api.get("/api/v1/outbox?state=failed")).json()
        return bool(page["total"] == 1)

    await eventually(failed, what="row failed")
    [row] = (await alerting_api.get("/api/v1/outbox?state=failed")).json()["items"]
    assert (row["attempts"], row["last_error"]) == (3, "HTTP 500: status 500 from receiver")
    assert row["next_attempt_at"] is None
    detail = (await alerting_api.get(f"/api/v1/outbox/{row['id']}")).json()
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 500, 500]

    retried = await alerting_api.post(f"/api/v1/outbox/{row['id']}/retry")
    assert retried.status_code == 202
    assert retried.json()["state"] == "pending"

    async def delivered() -> bool:
        got = (await alerting_api.get(f"/api/v1/outbox/{row['id']}")).json()
        return bool(got["state"] == "delivered")

    await eventually(delivered, what="retried row delivered")
    again = await alerting_api.post(f"/api/v1/outbox/{row['id']}/retry")
    assert again.status_code == 409


async def test_the_rules_are_listed_with_their_thresholds(alerting_api: ApiClient) -> None:
    rules = {r["rule"]: r for r in (await alerting_api.get("/api/v1/alerts/rules")).json()}
    assert set(rules) == {
        "offline",
        "degraded",
        "flapping",
        "content_black",
        "content_freeze",
        "content_silence",
        "worker_lost",
        "backup_failed",
    }
    assert rules["worker_lost"]["wired"] is True
    assert rules["backup_failed"]["wired"] is True
    assert rules["backup_failed"]["severity"] == "critical"
    assert rules["flapping"]["threshold"] == "more than 3 losses in 600 s"


# Uptime -----------------------------------------------------------------------------------


async def record(api: ApiClient, channel_id: int, at: datetime, frm: Status, to: Status) -> None:
    change = StatusChanged(channel_id, at, frm, to, StatusEvent.PROGRESS_SEEN, f"to {to}", "w1")
    await api.app.state.events.record(change)


async def test_uptime_and_incidents_are_computed_from_the_status_history(
    alerting_api: ApiClient,
) -> None:
    channel = await create_channel(alerting_api)
    now = datetime.now(UTC)
    t0 = now - timedelta(hours=2)
    S = Status
    await record(alerting_api, channel["id"], t0, S.STOPPED, S.STARTING)
    await record(alerting_api, channel["id"], t0 + timedelta(seconds=1), S.STARTING, S.ONLINE)
    await record(alerting_api, channel["id"], t0 + timedelta(minutes=60), S.ONLINE, S.OFFLINE)
    await record(alerting_api, channel["id"], t0 + timedelta(minutes=66), S.OFFLINE, S.ONLINE)

    body = (await alerting_api.get(f"/api/v1/channels/{channel['id']}/uptime?window=24h")).json()
    assert body["window"] == "24h"
    assert body["channel"] == channel["slug"]
    assert 94.9 < body["uptime_percent"] < 95.1
    assert 359 < body["down_s"] < 361
    [incident] = body["incidents"]
    assert incident["duration_s"] == 360.0
    assert incident["ongoing"] is False
    assert incident["reason"] == "to offline"

    summary = (await alerting_api.get("/api/v1/uptime?window=7d")).json()
    assert [(i["channel"], i["incidents"]) for i in summary["items"]] == [(channel["slug"], 1)]

    response = await alerting_api.get("/api/v1/incidents.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == [
        "channel_id",
        "channel",
        "started_at",
        "ended_at",
        "duration_s",
        "ongoing",
        "reason",
    ]
    assert rows[1][1:2] + rows[1][4:] == [channel["slug"], "360.000", "false", "to offline"]
    bad = await alerting_api.get(f"/api/v1/channels/{channel['id']}/uptime?window=1y")
    assert bad.status_code == 422
    assert (await alerting_api.get("/api/v1/channels/999/uptime")).status_code == 404


async def test_a_changed_grace_period_is_read_from_the_stored_channel(
    alerting_api: ApiClient,
) -> None:
    """A channel down under a one-hour grace alerts once the stored grace becomes 1 s."""
    created = await create_channel(alerting_api, offline_grace_s=3600)
    await alerting_api.app.state.bus.publish(status_envelope("news", "offline", "online"))
    response = await alerting_api.patch(
        f"/api/v1/channels/{created['id']}", json={"offline_grace_s": 1}
    )
    assert response.status_code == 200, response.text

    async def opened() -> bool:
        body = (await alerting_api.get("/api/v1/alerts", params={"state": "open"})).json()
        return any(item["rule"] == "offline" for item in body["items"])

    await eventually(opened, 15, "an offline alert after the new 1 s grace")
