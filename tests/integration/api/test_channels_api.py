"""The channel API over HTTP (in-process, SQLite): create, read, list, update, delete."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from streamfleet.domain.status import Status
from streamfleet.events.envelope import EventType
from streamfleet.media.command import input_url
from tests.support.server import ApiClient

NEWS = {"name": "News HD", "input_url": "udp://239.0.0.1:1234", "tags": ["news", "hd"]}


async def create(api: ApiClient, **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/v1/channels", json={**NEWS, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_created_channel_is_answered_in_the_contract_shape(api: ApiClient) -> None:
    body = await create(api)
    assert set(body) == {
        "id",
        "slug",
        "name",
        "tags",
        "enabled",
        "input_url",
        "backup_url",
        "ingest_mode",
        "listen_port",
        "passphrase",
        "publish_url",
        "stream_key",
        "profile",
        "hls",
        "recording",
        "retention_days",
        "retention_bytes",
        "thumbnail_interval_s",
        "offline_grace_s",
        "content_checks",
        "created_at",
        "updated_at",
        "state",
        "media_info",
        "urls",
    }
    assert body["slug"] == "news-hd"
    assert body["hls"] == {"segment_seconds": None, "list_size": None}
    assert body["state"]["status"] == "stopped"
    assert body["state"]["metrics"] == {}
    assert body["urls"] == {
        "hls": "/hls/news-hd/index.m3u8",
        "thumbnail": "/thumbs/news-hd.jpg",
    }
    assert body["created_at"].endswith("Z")
    got = await api.get(f"/api/v1/channels/{body['id']}")
    assert got.json() == body


async def test_a_listen_channel_shows_its_publish_url_masked_and_in_full_when_asked(
    api: ApiClient,
) -> None:
    body = await create(api, name="Push", input_url=None, ingest_mode="listen_srt")
    assert body["listen_port"] == 10000
    assert body["passphrase"] is None
    assert body["publish_url"] == "srt://127.0.0.1:10000?mode=caller&latency=200000&passphrase=***"
    source = (await api.get(f"/api/v1/channels/{body['id']}/source")).json()
    assert source["publish_url"] == (
        f"srt://127.0.0.1:10000?mode=caller&latency=200000&passphrase={source['passphrase']}"
    )


async def test_the_publish_url_matches_what_ffmpeg_listens_with(api: ApiClient) -> None:
    """Port, latency and passphrase of the shown URL are those of FFmpeg's listener."""
    body = await create(api, name="Push", input_url=None, ingest_mode="listen_srt")
    record = await api.app.state.channels.get(body["id"])
    listening = urlsplit(input_url(record.channel))
    source = (await api.get(f"/api/v1/channels/{body['id']}/source")).json()
    publishing = urlsplit(source["publish_url"])
    assert (listening.hostname, publishing.hostname) == ("0.0.0.0", "127.0.0.1")
    assert listening.port == publishing.port == body["listen_port"]
    on_listener, on_publisher = parse_qs(listening.query), parse_qs(publishing.query)
    assert (on_listener.pop("mode"), on_publisher.pop("mode")) == (["listener"], ["caller"])
    assert on_listener == on_publisher


async def test_creating_publishes_an_envelope_without_secrets(api: ApiClient) -> None:
    subscription = api.app.state.bus.subscribe()
    body = await create(api, input_url="rtmp://user:hunter2pass@src.example/live/key")
    envelope = await subscription.get()
    assert envelope is not None
    assert envelope.type is EventType.CHANNEL_CREATED
    assert envelope.channel == "news-hd"
    assert envelope.data["id"] == body["id"]
    assert "hunter2pass" not in envelope.to_json()
    assert body["input_url"] == "rtmp://***@src.example/live/key"  # the answer, too
    subscription.close()


async def test_listing_pages_and_filters(api: ApiClient) -> None:
    for i in range(5):
        await create(api, name=f"Sport {i}", tags=["sport"], input_url=f"udp://239.0.0.{i}:1")
    await create(api)
    page = (await api.get("/api/v1/channels", params={"limit": 2, "offset": 1})).json()
    assert (page["total"], page["limit"], page["offset"]) == (6, 2, 1)
    assert [c["slug"] for c in page["items"]] == ["sport-1", "sport-2"]
    news = (await api.get("/api/v1/channels", params={"tag": "news"})).json()
    assert [c["slug"] for c in news["items"]] == ["news-hd"]
    found = (await api.get("/api/v1/channels", params={"q": "sport 4"})).json()
    assert [c["slug"] for c in found["items"]] == ["sport-4"]
    stopped = (await api.get("/api/v1/channels", params={"status": "stopped,error"})).json()
    assert stopped["total"] == 6
    online = (await api.get("/api/v1/channels", params={"status": "online"})).json()
    assert online["total"] == 0


async def test_identical_lists_in_flight_share_one_answer(api: ApiClient) -> None:
    """Fifty clients asking at once are answered from fewer than fifty builds of the list."""
    for i in range(20):
        await create(api, name=f"Ch {i}", input_url=f"udp://239.0.1.{i}:1")
    pages = api.app.state.channel_pages
    computed_before = pages.computed
    answers = await asyncio.gather(*(slugs_listed(api) for _ in range(50)))
    assert all(answer == answers[0] for answer in answers)
    assert len(answers[0]) == 20
    assert pages.computed - computed_before < 50
    assert pages.joined > 0


async def test_a_list_asked_after_a_write_never_joins_a_build_begun_before_it(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that has read the database but not answered yet is still in flight when a
    channel is created; a list asked after that creation gets a build of its own."""
    await create(api, name="Early", input_url="udp://239.0.2.1:1")
    repository = api.app.state.channels
    read_the_database = asyncio.Event()
    release = asyncio.Event()
    real_list_page = repository.list_page

    async def list_page_then_hold(**filters: Any) -> Any:
        page = await real_list_page(**filters)
        read_the_database.set()
        await release.wait()
        return page

    monkeypatch.setattr(repository, "list_page", list_page_then_hold)
    before_write = asyncio.ensure_future(slugs_listed(api))
    await asyncio.wait_for(read_the_database.wait(), 10)
    writes = repository.writes
    await create(api, name="Late", input_url="udp://239.0.2.2:1")
    assert repository.writes == writes + 1
    after_write = asyncio.ensure_future(slugs_listed(api))
    await asyncio.sleep(0.1)  # time for the second request to join the first build, if it could
    release.set()
    assert await before_write == ["early"]
    assert await after_write == ["early", "late"]


async def slugs_listed(api: ApiClient) -> list[str]:
    response = await api.get("/api/v1/channels")
    assert response.status_code == 200, response.text
    return [c["slug"] for c in response.json()["items"]]


async def test_patch_changes_only_the_given_fields_and_announces_it(api: ApiClient) -> None:
    body = await create(api, hls={"segment_seconds": 4})
    subscription = api.app.state.bus.subscribe()
    response = await api.patch(
        f"/api/v1/channels/{body['id']}", json={"name": "News 2", "hls": {"list_size": 9}}
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["name"] == "News 2"
    assert patched["slug"] == "news-hd"
    assert patched["tags"] == ["news", "hd"]
    assert patched["hls"] == {"segment_seconds": 4.0, "list_size": 9}
    envelope = await subscription.get()
    assert envelope is not None
    assert envelope.type is EventType.CHANNEL_UPDATED
    subscription.close()


async def test_delete_answers_204_then_the_channel_is_gone(api: ApiClient) -> None:
    body = await create(api)
    subscription = api.app.state.bus.subscribe()
    response = await api.delete(f"/api/v1/channels/{body['id']}")
    assert response.status_code == 204
    assert response.content == b""
    envelope = await subscription.get()
    assert envelope is not None
    assert (envelope.type, envelope.channel, envelope.data) == (
        EventType.CHANNEL_DELETED,
        "news-hd",
        {"id": body["id"]},
    )
    missing = await api.get(f"/api/v1/channels/{body['id']}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["detail"] == f"channel {body['id']} does not exist"
    subscription.close()


async def test_a_duplicate_slug_is_409_naming_slug_and_writes_nothing(api: ApiClient) -> None:
    await create(api)
    response = await api.post(
        "/api/v1/channels", json={**NEWS, "name": "Another", "slug": "news-hd"}
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["errors"] == [
        {
            "field": "slug",
            "message": "slug 'news-hd' is already used by another channel",
            "line": None,
        }
    ]
    assert (await api.get("/api/v1/channels")).json()["total"] == 1


async def test_actions_and_log_need_an_engine_and_say_so_with_503(api: ApiClient) -> None:
    body = await create(api)
    for action in ("start", "stop", "restart"):
        response = await api.post(f"/api/v1/channels/{body['id']}/{action}")
        assert response.status_code == 503
        assert response.json()["detail"] == "no stream engine runs in this process"
    assert (await api.get(f"/api/v1/channels/{body['id']}/log")).status_code == 503
    assert (await api.get(f"/api/v1/channels/{body['id']}")).json()["enabled"] is True


async def test_profiles_list_copy_and_the_transcode_ladders(api: ApiClient) -> None:
    profiles = (await api.get("/api/v1/profiles")).json()
    names = [p["name"] for p in profiles]
    assert names[0] == "copy"
    assert {"720p", "480p", "abr-3"} <= set(names)
    ladder = next(p for p in profiles if p["name"] == "abr-3")
    assert [r["height"] for r in ladder["renditions"]] == [1080, 720, 480]


async def test_the_openapi_document_and_docs_are_served_under_api(api: ApiClient) -> None:
    spec = (await api.get("/api/openapi.json")).json()
    assert "/api/v1/channels" in spec["paths"]
    assert "/api/v1/channels/import" in spec["paths"]
    assert (await api.get("/api/docs")).status_code == 200


async def test_the_openapi_status_enum_is_every_domain_status(api: ApiClient) -> None:
    """The generated clients learn ``queued`` (and any later status) from the document."""
    spec = (await api.get("/api/openapi.json")).json()
    status = spec["components"]["schemas"]["ChannelStateOut"]["properties"]["status"]
    assert sorted(status["enum"]) == sorted(s.value for s in Status)
    result = spec["components"]["schemas"]["ImportResult"]["properties"]
    assert {"queued", "warnings"} <= set(result)
