"""Server-Sent Events at ``/api/v1/events/stream``: the same envelopes over plain HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from streamfleet.api.live_hub import LiveHub
from streamfleet.api.routes import live
from streamfleet.api.routes.live import live_hub
from streamfleet.events.envelope import Envelope, EventType
from tests.support.live_server import LiveServer, serve_streamfleet
from tests.support.server import settings_for_test
from tests.support.waiting import eventually

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with serve_streamfleet(settings_for_test(tmp_path / "data")) as running:
        yield running


async def next_event(lines: AsyncIterator[str], timeout_s: float = 5.0) -> tuple[str, Any]:
    """The next ``event:``/``data:`` frame; comment lines (keep-alives) are skipped."""

    async def read() -> tuple[str, Any]:
        kind, data = "", ""
        async for line in lines:
            if line.startswith(":"):
                continue
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = line.removeprefix("data: ")
            elif line == "" and kind:
                return kind, json.loads(data)
        raise AssertionError("stream ended")

    return await asyncio.wait_for(read(), timeout_s)


async def test_the_stream_sends_a_snapshot_then_envelopes_of_the_wanted_channels(
    server: LiveServer,
) -> None:
    """``?channels=news``: the snapshot and later envelopes are about news only."""
    async with httpx.AsyncClient(base_url=server.http_url, headers=server.headers) as client:
        for name in ("News", "Sport"):
            created = await client.post(
                "/api/v1/channels", json={"name": name, "input_url": "udp://239.0.0.1:1234"}
            )
            assert created.status_code == 201
        async with client.stream("GET", "/api/v1/events/stream?channels=news") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-cache"
            lines = response.aiter_lines()
            kind, snapshot = await next_event(lines)
            assert kind == "snapshot"
            assert [c["slug"] for c in snapshot["data"]["channels"]] == ["news"]
            sport = Envelope(EventType.STATUS, "sport", {"status": "online"})
            news = Envelope(EventType.THUMBNAIL, "news", {"url": "/thumbs/news.jpg?v=1"})
            server.bus.publish_nowait(sport)
            server.bus.publish_nowait(news)
            assert await next_event(lines) == ("thumbnail", news.to_dict())
    await eventually(lambda: live_hub(server.app).client_count == 0, 5, "stream client gone")


async def test_a_bad_channel_list_is_refused_with_a_problem(server: LiveServer) -> None:
    """422 naming the entry, before any stream starts."""
    async with httpx.AsyncClient(base_url=server.http_url, headers=server.headers) as client:
        response = await client.get("/api/v1/events/stream", params={"channels": "news,Bad!"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "channels.1: must be a channel slug"


async def test_a_quiet_stream_sends_keep_alive_comments(
    server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without events a comment line keeps proxies from closing the stream."""
    monkeypatch.setattr(live, "SSE_KEEPALIVE_S", 0.2)
    async with (
        httpx.AsyncClient(base_url=server.http_url, headers=server.headers) as client,
        client.stream("GET", "/api/v1/events/stream") as response,
    ):
        lines = response.aiter_lines()
        assert (await next_event(lines))[0] == "snapshot"
        line = await asyncio.wait_for(anext(lines), 5.0)
        while line == "":
            line = await asyncio.wait_for(anext(lines), 5.0)
        assert line == ": keep-alive"


async def test_the_stream_sends_each_flushed_metrics_envelope_as_its_own_event(
    server: LiveServer,
) -> None:
    """SSE does not batch: three channels' held samples are three ``event: metrics`` frames."""
    hub = LiveHub(server.bus, flush_interval_s=3600.0)  # flushed by hand below
    server.app.state.live_hub = hub
    held = [Envelope(EventType.METRICS, slug, {"fps": 25.0}) for slug in ("a", "b", "c")]
    async with (
        httpx.AsyncClient(base_url=server.http_url, headers=server.headers) as client,
        client.stream("GET", "/api/v1/events/stream") as response,
    ):
        lines = response.aiter_lines()
        assert (await next_event(lines))[0] == "snapshot"
        for envelope in held:
            server.bus.publish_nowait(envelope)
        await eventually(lambda: hub.held_metrics == len(held), 5, "metrics held")
        hub.flush_metrics()
        assert [await next_event(lines) for _ in held] == [
            ("metrics", envelope.to_dict()) for envelope in held
        ]
