"""``streamfleet serve`` runs the stream engine: the demo, live status, and owned processes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Callable
from typing import Any

import httpx
import websockets

from streamfleet.engine.demo import DEMO_FEEDS
from tests.support.media import Feeders, channel_url, free_udp_port_block
from tests.support.processes import alive, descendants
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until
from tests.support.wall_viewer import showing_tiles

ONLINE_TIMEOUT_S = 60.0
OFFLINE_TIMEOUT_S = 15.0


def channels(server: ServerProcess) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.base_url}/api/v1/channels", headers=server.headers)
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def all_online(server: ServerProcess, count: int) -> list[dict[str, Any]] | None:
    items = channels(server)
    if len(items) == count and all(c["state"]["status"] == "online" for c in items):
        return items
    return None


def demo_server(server_factory: Callable[..., ServerProcess]) -> ServerProcess:
    base = free_udp_port_block(len(DEMO_FEEDS))
    return server_factory(demo=True, env={"STREAMFLEET_DEMO_PORT_BASE": str(base)})


async def test_an_empty_database_starts_four_demo_channels_with_live_video(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """A newcomer's first `make run` shows live demo channels with thumbnails, no setup."""
    server = demo_server(server_factory)
    items = await wait_until(
        lambda: all_online(server, 4), ONLINE_TIMEOUT_S, lambda: f"4 online: {channels(server)}"
    )
    assert {"demo"} <= set(items[0]["tags"])

    def playlists_served() -> bool:
        # Online means media flows into the muxer; the playlist follows within a segment.
        for item in items:
            playlist = httpx.get(f"{server.base_url}{item['urls']['hls']}")
            if playlist.status_code != 200 or "#EXTINF" not in playlist.text:
                return False
        return True

    await wait_until(playlists_served, ONLINE_TIMEOUT_S, "a playlist for every demo channel")

    def thumbnails_served() -> bool:
        return all(
            httpx.get(f"{server.base_url}{item['urls']['thumbnail']}").status_code == 200
            for item in items
        )

    slugs = [item["slug"] for item in items]
    async with showing_tiles(server.base_url, slugs, headers=server.headers):  # as the wall
        await wait_until(thumbnails_served, ONLINE_TIMEOUT_S, "a thumbnail for every demo channel")


async def test_kill_9_of_the_server_leaves_no_ffmpeg_behind(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """Every FFmpeg child (channels and demo feeds) dies with a server that is SIGKILLed."""
    server = demo_server(server_factory)
    items = await wait_until(lambda: all_online(server, 4), ONLINE_TIMEOUT_S, "4 demo channels")
    children = descendants(server.process.pid)
    channel_pids = {item["state"]["pid"] for item in items}
    assert channel_pids <= set(children)
    assert len(children) >= 8, f"4 channels + 4 demo feeds expected, found {children}"

    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(10)

    await wait_until(
        lambda: not any(alive(pid) for pid in children),
        10.0,
        lambda: f"no child alive, still: {[pid for pid in children if alive(pid)]}",
    )


async def next_status(socket: Any, slug: str, wanted: str, timeout_s: float) -> float:
    """Read frames until ``slug`` reports ``wanted``; returns the arrival time.

    A frame is one envelope, or an array of them (the once-a-second metrics flush).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        raw = await asyncio.wait_for(socket.recv(), max(0.01, deadline - time.monotonic()))
        frame = json.loads(raw)
        for envelope in frame if isinstance(frame, list) else [frame]:
            if (
                envelope["type"] == "status"
                and envelope["channel"] == slug
                and envelope["data"]["status"] == wanted
            ):
                return time.monotonic()


async def test_the_websocket_tells_offline_then_online_when_a_real_source_stops_and_returns(
    server_factory: Callable[..., ServerProcess], feeders: Feeders
) -> None:
    """A stopped UDP source shows as offline on the live feed, and online again after it returns."""
    feeder = await feeders.start()
    server = server_factory()
    async with server.async_client() as client:
        created = await client.post(
            "/api/v1/channels", json={"name": "Live One", "input_url": channel_url(feeder)}
        )
        assert created.status_code == 201, created.text
        slug = created.json()["slug"]
    async with websockets.connect(server.ws_url, additional_headers=server.headers) as socket:
        snapshot = json.loads(await socket.recv())
        assert snapshot["type"] == "snapshot"
        if snapshot["data"]["channels"][0]["state"]["status"] != "online":
            await next_status(socket, slug, "online", ONLINE_TIMEOUT_S)

        stopped_at = time.monotonic()
        await feeder.stop()
        offline_at = await next_status(socket, slug, "offline", OFFLINE_TIMEOUT_S)
        assert offline_at - stopped_at < OFFLINE_TIMEOUT_S

        await feeder.start()
        await next_status(socket, slug, "online", ONLINE_TIMEOUT_S)
