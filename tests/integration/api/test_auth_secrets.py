"""A viewer never receives a secret: planted credentials, passphrases and target secrets are
absent from every JSON answer and WebSocket message a viewer gets. Operators and admins get
channel secrets only by asking for them (``GET /channels/{id}/source``): their normal reads
are masked too, and an editor saving a masked URL back unchanged keeps the stored one."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
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
    assert (await viewer.get(f"/api/v1/channels/{ids[0]}/source")).status_code == 403


async def test_operators_and_admins_read_channel_secrets_only_through_the_source_route(
    api: ApiClient,
) -> None:
    ids = await _plant(api)
    operator = await api.as_role(Role.OPERATOR)
    for client in (operator, api):  # api: the first admin
        for path in ("/api/v1/channels", *(f"/api/v1/channels/{i}" for i in ids)):
            answer = await client.get(path)
            assert answer.status_code == 200, (path, answer.text)
            assert _leaks(answer.text) == [], path
    camera = (await operator.get(f"/api/v1/channels/{ids[0]}")).json()
    assert camera["input_url"] == "rtsp://***@127.0.0.1:8554/live"
    assert camera["backup_url"] == "srt://127.0.0.1:9000?passphrase=***"
    shown = [(await operator.get(f"/api/v1/channels/{i}/source")).json() for i in ids]
    assert shown[0]["input_url"] == f"rtsp://cam:{SOURCE_PASSWORD}@127.0.0.1:8554/live"
    assert shown[0]["backup_url"] == f"srt://127.0.0.1:9000?passphrase={BACKUP_PASSPHRASE}"
    assert shown[1]["passphrase"] == SRT_PASSPHRASE
    assert SRT_PASSPHRASE in shown[1]["publish_url"]
    audit = (await api.get("/api/v1/audit", params={"action": "channel.reveal"})).json()
    assert [entry["target_id"] for entry in audit["items"]] == [str(i) for i in reversed(ids)]
    assert _leaks(json.dumps(audit)) == []


async def test_a_masked_url_sent_back_unchanged_keeps_the_stored_secret(api: ApiClient) -> None:
    ids = await _plant(api)
    operator = await api.as_role(Role.OPERATOR)
    shown = (await operator.get(f"/api/v1/channels/{ids[0]}")).json()
    saved = await operator.patch(
        f"/api/v1/channels/{ids[0]}",
        json={
            "name": "Camera 2",
            "input_url": shown["input_url"],
            "backup_url": shown["backup_url"],
        },
    )
    assert saved.status_code == 200, saved.text
    source = (await operator.get(f"/api/v1/channels/{ids[0]}/source")).json()
    assert source["input_url"] == f"rtsp://cam:{SOURCE_PASSWORD}@127.0.0.1:8554/live"
    assert source["backup_url"] == f"srt://127.0.0.1:9000?passphrase={BACKUP_PASSPHRASE}"
    changed = await operator.patch(
        f"/api/v1/channels/{ids[0]}", json={"input_url": "rtsp://***@127.0.0.1:8554/other"}
    )
    assert changed.status_code == 200, changed.text
    source = (await operator.get(f"/api/v1/channels/{ids[0]}/source")).json()
    assert source["input_url"] == "rtsp://***@127.0.0.1:8554/other"  # not the masked form: new


@pytest.mark.parametrize("role", [Role.VIEWER, Role.OPERATOR])
async def test_the_websocket_snapshot_and_envelopes_hold_no_secret(
    tmp_path: Path, role: Role
) -> None:
    async with serve_streamfleet(settings_for_test(tmp_path / "data")) as server:
        viewer = await server.token_for(role)
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
