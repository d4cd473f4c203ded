"""A viewer never receives a secret: planted credentials, passphrases and target secrets are
absent from every JSON answer and WebSocket message a viewer gets (an operator sees them)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from streamfleet.domain.roles import Role
from tests.support.live_server import serve_streamfleet
from tests.support.server import ApiClient, settings_for_test

SOURCE_PASSWORD = "Hunter2Secret"
BACKUP_PASSPHRASE = "BackupPassphrase99"
SRT_PASSPHRASE = "SrtPassphrase1234567"
TARGET_SECRET = "TargetSecret-abcdefghijkl"
TARGET_URL_PASSWORD = "WebhookUrlPass1"
PLANTED = (SOURCE_PASSWORD, BACKUP_PASSPHRASE, SRT_PASSPHRASE, TARGET_SECRET, TARGET_URL_PASSWORD)


async def _plant(client: httpx.AsyncClient) -> list[int]:
    bodies = [
        {
            "name": "Camera",
            "input_url": f"rtsp://cam:{SOURCE_PASSWORD}@127.0.0.1:8554/live",
            "backup_url": f"srt://127.0.0.1:9000?passphrase={BACKUP_PASSPHRASE}",
        },
        {"name": "Push", "ingest_mode": "listen_srt", "passphrase": SRT_PASSPHRASE},
    ]
    ids = []
    for body in bodies:
        created = await client.post("/api/v1/channels", json=body)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    target = await client.post(
        "/api/v1/targets",
        json={
            "name": "hook",
            "kind": "webhook",
            "url": f"http://hook:{TARGET_URL_PASSWORD}@127.0.0.1:9/hook",
            "secret": TARGET_SECRET,
        },
    )
    assert target.status_code == 201, target.text
    return ids


def _leaks(text: str) -> list[str]:
    return [secret for secret in PLANTED if secret in text]


async def test_no_answer_to_a_viewer_holds_a_planted_secret(api: ApiClient) -> None:
    ids = await _plant(api)
    viewer = await api.as_role(Role.VIEWER)
    paths = [
        "/api/v1/channels",
        *(f"/api/v1/channels/{i}" for i in ids),
        *(f"/api/v1/channels/{i}/events" for i in ids),
        "/api/v1/targets",
        "/api/v1/targets/1",
        "/api/v1/events",
        "/api/v1/alerts",
        "/api/v1/outbox",
        "/api/v1/uptime",
        "/api/v1/incidents.csv",
        "/api/v1/tokens",
        "/api/v1/auth/me",
    ]
    for path in paths:
        answer = await viewer.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert _leaks(answer.text) == [], path
    assert (await viewer.get("/api/v1/channels/export")).status_code == 403
    operator = await api.as_role(Role.OPERATOR)
    shown = (await operator.get(f"/api/v1/channels/{ids[0]}")).text + (
        await operator.get(f"/api/v1/channels/{ids[1]}")
    ).text
    assert {SOURCE_PASSWORD, BACKUP_PASSPHRASE, SRT_PASSPHRASE} <= set(_leaks(shown))


async def test_a_viewer_and_an_admin_listing_at_once_each_get_their_own_answer(
    api: ApiClient,
) -> None:
    """The shared channel page is keyed by whether secrets show."""
    await _plant(api)
    viewer = await api.as_role(Role.VIEWER)
    for _ in range(5):
        seen_by_admin, seen_by_viewer = await asyncio.gather(
            api.get("/api/v1/channels"), viewer.get("/api/v1/channels")
        )
        assert SOURCE_PASSWORD in seen_by_admin.text
        assert _leaks(seen_by_viewer.text) == []


async def test_the_websocket_snapshot_and_envelopes_to_a_viewer_hold_no_secret(
    tmp_path: Path,
) -> None:
    async with serve_streamfleet(settings_for_test(tmp_path / "data")) as server:
        viewer = await server.token_for(Role.VIEWER)
        async with httpx.AsyncClient(base_url=server.http_url, headers=server.headers) as admin:
            async with connect(f"{server.ws_url}?access_token={viewer}") as ws:
                snapshot = await ws.recv(10.0)
                assert json.loads(snapshot)["type"] == "snapshot"
                await _plant(admin)
                created = [await ws.recv(10.0) for _ in range(2)]
            async with connect(f"{server.ws_url}?access_token={viewer}") as ws:
                second_snapshot = await ws.recv(10.0)
    assert [json.loads(m)["type"] for m in created] == ["channel_created", "channel_created"]
    assert "Camera" in second_snapshot
    assert "Push" in second_snapshot
    for message in (snapshot, *created, second_snapshot):
        assert _leaks(str(message)) == []
