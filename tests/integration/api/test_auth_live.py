"""The live feed needs credentials and refuses pages of other sites (``Origin``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.live_server import LiveServer, serve_streamfleet
from tests.support.server import settings_for_test

SNAPSHOT_TIMEOUT_S = 10.0


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[LiveServer]:
    async with serve_streamfleet(settings_for_test(tmp_path / "data")) as running:
        yield running


async def _refused(url: str, **options: object) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url, **options):  # type: ignore[arg-type]
            pass
    return refused.value.response.status_code


async def test_the_websocket_without_credentials_is_refused(server: LiveServer) -> None:
    assert await _refused(server.ws_url) == 403
    assert await _refused(server.ws_url + "?access_token=sf_not-a-token") == 403


async def test_the_websocket_takes_a_bearer_header_or_the_access_token_query(
    server: LiveServer,
) -> None:
    viewer = await server.token_for("viewer")
    async with connect(
        server.ws_url, additional_headers={"Authorization": f"Bearer {viewer}"}
    ) as ws:
        assert json.loads(await ws.recv(SNAPSHOT_TIMEOUT_S))["type"] == "snapshot"
    async with connect(f"{server.ws_url}?access_token={viewer}") as ws:
        assert json.loads(await ws.recv(SNAPSHOT_TIMEOUT_S))["type"] == "snapshot"


async def test_a_page_of_another_site_may_not_open_the_websocket(server: LiveServer) -> None:
    assert await _refused(server.ws_url_with_token, origin="http://evil.example") == 403
    own = f"http://127.0.0.1:{server.port}"
    async with connect(server.ws_url_with_token, origin=own) as ws:  # type: ignore[arg-type]
        assert json.loads(await ws.recv(SNAPSHOT_TIMEOUT_S))["type"] == "snapshot"


async def test_the_event_stream_needs_credentials_a_header_and_our_origin(
    server: LiveServer,
) -> None:
    url = "/api/v1/events/stream"
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        assert (await client.get(url)).status_code == 401
        query = await client.get(f"{url}?access_token={server.token}")
        assert query.status_code == 401  # the query token is for the WebSocket alone
        foreign = await client.get(url, headers={**server.headers, "Origin": "http://evil.example"})
        assert foreign.status_code == 403
        async with client.stream("GET", url, headers=server.headers) as stream:
            assert stream.status_code == 200
            async for line in stream.aiter_lines():
                assert line == "event: snapshot"
                break
