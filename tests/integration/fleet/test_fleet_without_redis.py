"""Redis stopped under a running fleet: the worker keeps streaming and recording status in the
database, the API node answers from it, and the live feed carries events again once Redis is
back. Nothing crashes, nothing restarts."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.integration.fleet.conftest import Fleet
from tests.integration.fleet.test_fleet_channel_changes import state
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

STATE_TIMEOUT_S = 30.0


async def test_with_redis_down_the_worker_streams_and_records_and_events_resume_after(
    fleet: Fleet, feeders: Feeders
) -> None:
    """Redis stopped: the source's loss and return show through the database; Redis back:
    the next change reaches a WebSocket client of the API node."""
    worker = fleet.worker("alone")
    api = fleet.start("api")
    feeder = await feeders.start()
    async with api.async_client() as client:
        created = await client.post(
            "/api/v1/channels", json={"name": "Weathered", "input_url": channel_url(feeder)}
        )
        assert created.status_code == 201, created.text
    channel_id, slug = created.json()["id"], created.json()["slug"]
    await wait_until(
        lambda: state(api, channel_id)["status"] == "online", STATE_TIMEOUT_S, "online"
    )

    fleet.redis.stop()
    await feeder.stop()
    await wait_until(
        lambda: state(api, channel_id)["status"] == "offline",
        STATE_TIMEOUT_S,
        "offline, recorded by the worker in the database and read there by the API",
    )
    await feeder.start()
    await wait_until(
        lambda: state(api, channel_id)["status"] == "online", STATE_TIMEOUT_S, "online again"
    )
    assert worker.process.poll() is None
    assert api.process.poll() is None
    assert httpx.get(f"{worker.base_url}/readyz").status_code == 200

    fleet.redis.start()
    async with websockets.connect(api.ws_url, additional_headers=api.headers) as socket:
        await feeder.stop()
        await wait_until(
            lambda: _next_status(socket, slug), STATE_TIMEOUT_S, "a status event over Redis"
        )


async def _next_status(socket: Any, slug: str) -> bool:
    sent = json.loads(await asyncio.wait_for(socket.recv(), STATE_TIMEOUT_S))
    envelopes = sent if isinstance(sent, list) else [sent]
    return any(e["type"] == "status" and e["channel"] == slug for e in envelopes)
