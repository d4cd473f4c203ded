"""RTMP push channels over HTTP (in-process, SQLite): the stream key is shown once, and
nginx-rtmp's ``on_publish`` hook maps a right key to its channel and refuses the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.server import ApiClient, api_client_for, settings_for_test

HOOK_SECRET = "hook-secret-for-tests-0123456789"
HOOK = "/api/v1/rtmp/on_publish"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[ApiClient]:
    settings = settings_for_test(
        tmp_path / "data",
        rtmp_hook_secret=HOOK_SECRET,
        public_host="tv.example.com",
        rtmp_public_port=1936,
    )
    async with api_client_for(settings) as client:
        yield client


@pytest.fixture
async def nginx(api: ApiClient) -> AsyncIterator[ApiClient]:
    """A client without credentials, as nginx-rtmp calls the hook."""
    async with ApiClient(api.app, base_url="http://streamfleet.test") as client:
        yield client


async def create_push(api: ApiClient, **fields: Any) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/channels", json={"name": "Cam", "ingest_mode": "push_rtmp", **fields}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def publish(
    nginx: ApiClient, name: str, *, app: str = "live", secret: str | None = HOOK_SECRET
) -> Any:
    params = {"secret": secret} if secret is not None else {}
    form = f"call=publish&app={app}&name={name}&addr=127.0.0.1&clientid=1&type=live"
    return await nginx.post(HOOK, params=params, content=form, headers=FORM)


async def test_the_key_is_in_the_create_answer_only_and_masked_everywhere_after(
    api: ApiClient,
) -> None:
    created = await create_push(api)
    key = created["stream_key"]
    assert isinstance(key, str)
    assert len(key) == 32
    assert created["publish_url"] == f"rtmp://tv.example.com:1936/live/{key}"
    assert created["input_url"] == ""
    channel_id = created["id"]
    for path in (
        f"/api/v1/channels/{channel_id}",
        "/api/v1/channels",
        f"/api/v1/channels/{channel_id}/source",
        "/api/v1/channels/export",
        "/api/v1/audit",
    ):
        answer = await api.get(path)
        assert answer.status_code == 200, (path, answer.text)
        assert key not in answer.text, path
    one = (await api.get(f"/api/v1/channels/{channel_id}")).json()
    assert one["stream_key"] is None
    assert one["publish_url"] == "rtmp://tv.example.com:1936/live/***"


async def test_the_right_key_is_accepted_and_renamed_to_the_channels_stream(
    api: ApiClient, nginx: ApiClient
) -> None:
    created = await create_push(api)
    answer = await publish(nginx, created["stream_key"])
    assert answer.status_code == 302, answer.text
    assert answer.headers["location"] == f"channel-{created['id']}"
    assert answer.json()["slug"] == created["slug"]
    assert created["stream_key"] not in answer.text


@pytest.mark.parametrize(
    ("secret", "status", "field"),
    [(None, 401, None), ("wrong-secret-0123456789abcdef", 403, "secret"), ("", 403, "secret")],
)
async def test_a_missing_or_wrong_hook_secret_is_refused(
    api: ApiClient, nginx: ApiClient, secret: str | None, status: int, field: str | None
) -> None:
    created = await create_push(api)
    answer = await publish(nginx, created["stream_key"], secret=secret)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert answer.json()["errors"][0]["field"] == field


async def test_the_hook_refuses_everything_when_no_secret_is_configured(tmp_path: Path) -> None:
    async with api_client_for(settings_for_test(tmp_path / "data")) as api:
        created = await create_push(api)
        answer = await publish(api, created["stream_key"], secret="anything-at-all-0123")
        assert answer.status_code == 403
        assert "STREAMFLEET_RTMP_HOOK_SECRET" in answer.json()["detail"]


async def test_a_wrong_key_or_application_is_refused_with_403(
    api: ApiClient, nginx: ApiClient
) -> None:
    created = await create_push(api)
    wrong_key = await publish(nginx, "not-the-key")
    assert wrong_key.status_code == 403
    assert wrong_key.json()["errors"][0]["field"] == "name"
    by_internal_name = await publish(nginx, f"channel-{created['id']}")
    assert by_internal_name.status_code == 403
    other_app = await publish(nginx, created["stream_key"], app="other")
    assert other_app.status_code == 403
    assert other_app.json()["errors"][0]["field"] == "app"


async def test_a_disabled_channels_key_is_refused(api: ApiClient, nginx: ApiClient) -> None:
    created = await create_push(api, enabled=False)
    answer = await publish(nginx, created["stream_key"])
    assert answer.status_code == 403
    assert "disabled" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ("call=publish&app=live", "name"),
        ("call=publish&name=abc", "app"),
        ("app=live&name=" + "k" * 201, "name"),
        ("app=live&name=%FF%FE", "body"),
        ("app=live&name=k&" + "&".join(f"f{i}=1" for i in range(40)), "body"),
        ("app=live&name=k&x=" + "y" * 9000, "body"),
    ],
)
async def test_a_missing_or_malformed_field_is_422_naming_it(
    nginx: ApiClient, form: str, field: str
) -> None:
    answer = await nginx.post(HOOK, params={"secret": HOOK_SECRET}, content=form, headers=FORM)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"][0]["field"] == field


async def test_a_non_ascii_body_is_422_not_500(nginx: ApiClient) -> None:
    body = "app=live&name=ключ".encode()
    answer = await nginx.post(HOOK, params={"secret": HOOK_SECRET}, content=body, headers=FORM)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "body"


async def test_rotating_the_key_shows_a_new_one_once_and_the_old_one_stops_working(
    api: ApiClient, nginx: ApiClient
) -> None:
    created = await create_push(api)
    rotated = await api.post(f"/api/v1/channels/{created['id']}/stream_key")
    assert rotated.status_code == 200, rotated.text
    new_key = rotated.json()["stream_key"]
    assert new_key
    assert new_key != created["stream_key"]
    assert rotated.json()["publish_url"].endswith(f"/live/{new_key}")
    assert (await publish(nginx, created["stream_key"])).status_code == 403
    assert (await publish(nginx, new_key)).status_code == 302
    audit = (await api.get("/api/v1/audit", params={"action": "channel.key_rotate"})).json()
    assert [e["target_id"] for e in audit["items"]] == [str(created["id"])]
    assert new_key not in str(audit)


async def test_only_a_push_channel_has_a_key_to_rotate(api: ApiClient) -> None:
    pull = await api.post(
        "/api/v1/channels", json={"name": "Pull", "input_url": "udp://239.0.0.1:1234"}
    )
    answer = await api.post(f"/api/v1/channels/{pull.json()['id']}/stream_key")
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "ingest_mode"
    assert (await api.post("/api/v1/channels/999/stream_key")).status_code == 404


async def test_a_viewer_may_not_rotate_a_key(api: ApiClient) -> None:
    created = await create_push(api)
    viewer = await api.as_role("viewer")
    assert (await viewer.post(f"/api/v1/channels/{created['id']}/stream_key")).status_code == 403


async def test_switching_a_channel_to_push_shows_its_new_key_once(
    api: ApiClient, nginx: ApiClient
) -> None:
    pull = await api.post(
        "/api/v1/channels", json={"name": "Pull", "input_url": "udp://239.0.0.1:1234"}
    )
    switched = await api.patch(
        f"/api/v1/channels/{pull.json()['id']}", json={"ingest_mode": "push_rtmp"}
    )
    assert switched.status_code == 200, switched.text
    key = switched.json()["stream_key"]
    assert key is not None
    renamed = await api.patch(f"/api/v1/channels/{pull.json()['id']}", json={"name": "Cam"})
    assert renamed.json()["stream_key"] is None
    assert (await publish(nginx, key)).status_code == 302


async def test_an_export_carries_the_key_hash_and_the_key_works_after_import(
    api: ApiClient, nginx: ApiClient
) -> None:
    created = await create_push(api)
    exported = await api.get("/api/v1/channels/export")
    [entry] = yaml.safe_load(exported.text)["channels"]
    assert len(entry["stream_key_sha256"]) == 64
    await api.delete(f"/api/v1/channels/{created['id']}")
    imported = await api.post(
        "/api/v1/channels/import", params={"format": "yaml"}, content=exported.content
    )
    assert imported.status_code == 200, imported.text
    [channel] = imported.json()["channels"]
    assert channel["stream_key"] is None
    answer = await publish(nginx, created["stream_key"])
    assert answer.status_code == 302
    assert answer.headers["location"] == f"channel-{channel['id']}"


async def test_the_api_cannot_set_a_key_hash(api: ApiClient) -> None:
    answer = await api.post(
        "/api/v1/channels",
        json={"name": "Cam", "ingest_mode": "push_rtmp", "stream_key_sha256": "a" * 64},
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "stream_key_sha256"


async def test_the_live_feed_never_carries_the_key_of_a_create_or_a_rotation(
    api: ApiClient,
) -> None:
    subscription = api.app.state.bus.subscribe()
    created = await create_push(api)
    rotated = (await api.post(f"/api/v1/channels/{created['id']}/stream_key")).json()
    announced = [await subscription.get(), await subscription.get()]
    for envelope in announced:
        assert envelope is not None
        assert envelope.data["stream_key"] is None
        assert created["stream_key"] not in envelope.to_json()
        assert rotated["stream_key"] not in envelope.to_json()
        assert envelope.data["publish_url"].endswith("/live/***")
