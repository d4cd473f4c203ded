"""An API node shows the media info of a channel a worker runs, as ``serve`` does: the worker
reads it from the channel's segments and writes it to the database under its lease, the API
node reads it there (channel page, listing, WebSocket snapshot). After a move, the new
owner's reading replaces the old one."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import httpx
import websockets

from streamfleet.db.media_models import ChannelMediaRow
from tests.integration.fleet.channels import create_channels, listing
from tests.integration.fleet.conftest import Fleet
from tests.support.media import TEST_PATTERN, Feeders
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

MEDIA_TIMEOUT_S = 60.0
"""A new channel's FFmpeg starts, writes its first segments, and the worker reads one."""
POLL_S = 0.5


def media_info(api: ServerProcess, channel_id: int) -> dict[str, Any] | None:
    answer = httpx.get(f"{api.base_url}/api/v1/channels/{channel_id}", headers=api.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] | None = answer.json()["media_info"]
    return found


async def stored_by(fleet: Fleet, channel_id: int) -> tuple[str, int] | None:
    """Which worker wrote the channel's media info, at which epoch."""
    async with fleet.database.sessions() as session:
        row = await session.get(ChannelMediaRow, channel_id)
        return None if row is None else (row.worker_id, row.epoch)


def streams(info: dict[str, Any]) -> tuple[Any, ...]:
    video, audio = info["video"], info["audio"]
    return (
        video["codec"],
        video["width"],
        video["height"],
        video["fps"],
        audio["codec"],
        audio["sample_rate"],
        audio["channels"],
    )


TEST_SOURCE_STREAMS = (
    "h264",
    TEST_PATTERN.width,
    TEST_PATTERN.height,
    float(TEST_PATTERN.fps),
    "aac",
    48000,
    2,
)
"""What the test clip carries (``tests/support/media.py``); channels copy it (profile ``copy``)."""


async def test_an_api_node_shows_the_media_info_read_by_the_worker_running_the_channel(
    fleet: Fleet, feeders: Feeders
) -> None:
    """The test source's codecs and picture on the channel page, in the listing and in the
    WebSocket snapshot of an API node; written by the worker under its lease's epoch."""
    worker = fleet.worker("first")
    api = fleet.start("api")
    [channel_id] = await create_channels(api, feeders, ["Measured"])

    info = await wait_until(
        lambda: media_info(api, channel_id), MEDIA_TIMEOUT_S, "media info on the API node", POLL_S
    )
    assert streams(info) == TEST_SOURCE_STREAMS
    (listed,) = listing(api)
    assert streams(listed["media_info"]) == TEST_SOURCE_STREAMS
    async with websockets.connect(api.ws_url, additional_headers=api.headers) as socket:
        snapshot = json.loads(await asyncio.wait_for(socket.recv(), MEDIA_TIMEOUT_S))
    assert snapshot["type"] == "snapshot"
    (shown,) = snapshot["data"]["channels"]
    assert streams(shown["media_info"]) == TEST_SOURCE_STREAMS
    assert await stored_by(fleet, channel_id) == await fleet.lease_of(channel_id)
    metrics = httpx.get(f"{worker.base_url}/metrics").text
    assert 'streamfleet_worker_media_info_writes_refused{worker="first"} 0.0' in metrics
    assert "\nstreamfleet_thumbnail_cpu_seconds_total " in metrics


async def test_after_a_move_the_new_owners_reading_replaces_the_old_workers(
    fleet: Fleet, feeders: Feeders
) -> None:
    """The first worker leaves (SIGTERM): the channel runs on the second, which writes its
    own reading at its new epoch; the API node shows it."""
    leaving = fleet.worker("leaving")
    api = fleet.start("api")
    [channel_id] = await create_channels(api, feeders, ["Moved"])

    async def written_by(worker: str) -> tuple[str, int] | None:
        stored = await stored_by(fleet, channel_id)
        return stored if stored is not None and stored[0] == worker else None

    (_, first_epoch) = await wait_until(
        lambda: written_by("leaving"), MEDIA_TIMEOUT_S, "the first worker's reading", POLL_S
    )
    fleet.worker("staying")
    assert leaving.terminate() in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled

    (_, epoch) = await wait_until(
        lambda: written_by("staying"), MEDIA_TIMEOUT_S, "the new owner's reading", POLL_S
    )
    assert epoch > first_epoch
    assert await fleet.lease_of(channel_id) == ("staying", epoch)
    info = media_info(api, channel_id)
    assert info is not None
    assert streams(info) == TEST_SOURCE_STREAMS
