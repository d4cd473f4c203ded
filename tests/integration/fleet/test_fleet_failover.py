"""Three workers and one API node on PostgreSQL and Redis: channels spread, a killed worker's
channels run again elsewhere within 15 s, never on two workers at once, and the API's
WebSocket sees the workers' status events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import websockets

from tests.integration.fleet.conftest import Fleet
from tests.integration.fleet.player import every, writers_by_slug
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

CHANNELS = 12
WORKERS = ("w1", "w2", "w3")
SPREAD_TOLERANCE = 2
FAILOVER_LIMIT_S = 15.0
START_TIMEOUT_S = 60.0
SAMPLE_INTERVAL_S = 0.2
"""The sampler's period (a sampling rate, not a wait for a state)."""


def listing(api: ServerProcess) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{api.base_url}/api/v1/channels", params={"limit": 100}, headers=api.headers
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


@contextlib.asynccontextmanager
async def sampling(hls_dir: Path) -> AsyncIterator[list[dict[str, set[int]]]]:
    """Samples the channel FFmpegs every ``SAMPLE_INTERVAL_S`` while the block runs."""
    doubles: list[dict[str, set[int]]] = []

    def sample() -> None:
        twice = {slug: pids for slug, pids in writers_by_slug(hls_dir).items() if len(pids) > 1}
        if twice:
            doubles.append(twice)

    async with every(SAMPLE_INTERVAL_S, sample):
        yield doubles


async def test_a_killed_workers_channels_run_on_the_others_within_15s_never_twice(
    fleet: Fleet, feeders: Feeders
) -> None:
    """3 workers + 1 API node, 12 channels: all online and spread evenly; kill -9 of one worker
    moves its channels to the other two within 15 s, and no channel ever has two FFmpegs."""
    workers = {name: fleet.worker(name) for name in WORKERS}
    api = fleet.start("api")
    await wait_until(lambda: _has_all(fleet), START_TIMEOUT_S, "three live workers in the registry")
    events: list[dict[str, Any]] = []
    async with (
        websockets.connect(api.ws_url, additional_headers=api.headers) as socket,
        sampling(fleet.data_dir / "hls") as doubles,
    ):
        listener = asyncio.create_task(_collect(socket, events))
        async with api.async_client() as client:
            for number in range(CHANNELS):
                feeder = await feeders.start()
                created = await client.post(
                    "/api/v1/channels",
                    json={"name": f"Fleet {number}", "input_url": channel_url(feeder)},
                )
                assert created.status_code == 201, created.text
        items = await wait_until(
            lambda: _all_online(api),
            START_TIMEOUT_S,
            lambda: f"{CHANNELS} channels online: {[c['state'] for c in listing(api)]}",
        )
        holders = await fleet.holders()
        spread = Counter(holders.values())
        assert len(holders) == CHANNELS
        assert set(spread) == set(WORKERS), spread
        assert max(spread.values()) - min(spread.values()) <= SPREAD_TOLERANCE, spread

        online_events = {
            e["channel"]
            for e in events
            if e["type"] == "status" and e["data"].get("status") == "online"
        }
        assert online_events == {item["slug"] for item in items}, "the WebSocket saw them online"

        victim = "w1"
        moved = {cid for cid, worker in holders.items() if worker == victim}
        killed_at_wall = datetime.now(UTC)
        killed_at = time.monotonic()
        os.kill(workers[victim].process.pid, signal.SIGKILL)
        await wait_until(
            lambda: _moved(fleet, api, moved, victim, killed_at_wall),
            FAILOVER_LIMIT_S + 10,
            lambda: f"channels {sorted(moved)} online on other workers",
        )
        failover_s = time.monotonic() - killed_at
        listener.cancel()
        print(f"failover: {failover_s:.1f} s for {len(moved)} channels")
        assert failover_s < FAILOVER_LIMIT_S

        before = await fleet.holders()
        fleet.worker(victim)  # back, empty: it takes the next new channel, moves nothing
        async with api.async_client() as client:
            feeder = await feeders.start()
            created = await client.post(
                "/api/v1/channels", json={"name": "After", "input_url": channel_url(feeder)}
            )
            assert created.status_code == 201, created.text
        newcomer = created.json()["id"]

        async def placed() -> dict[int, str] | None:
            now = await fleet.holders()
            return now if newcomer in now else None

        after = await wait_until(placed, START_TIMEOUT_S, "the new channel placed")
        assert after == {**before, newcomer: victim}
    assert not doubles, f"a channel written by two FFmpegs at once: {doubles[:3]}"


async def _has_all(fleet: Fleet) -> bool:
    return await fleet.live_workers() == set(WORKERS)


def _all_online(api: ServerProcess) -> list[dict[str, Any]] | None:
    items = listing(api)
    if len(items) == CHANNELS and all(c["state"]["status"] == "online" for c in items):
        return items
    return None


async def _moved(
    fleet: Fleet, api: ServerProcess, moved: set[int], victim: str, killed_at: datetime
) -> bool:
    holders = await fleet.holders()
    if any(holders.get(cid) in (None, victim) for cid in moved):
        return False
    states = {item["id"]: item["state"] for item in listing(api)}
    return all(
        states[cid]["status"] == "online"
        and datetime.fromisoformat(states[cid]["since"]).replace(tzinfo=UTC) > killed_at
        for cid in moved
    )


async def _collect(socket: Any, events: list[dict[str, Any]]) -> None:
    with contextlib.suppress(websockets.ConnectionClosed):
        async for message in socket:
            sent = json.loads(message)  # one envelope, or a batch of them
            events.extend(sent if isinstance(sent, list) else [sent])
