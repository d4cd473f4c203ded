"""Channel changes made on an API node reach the worker running the channel, and a worker
that stops cleanly (SIGTERM) hands its channels over at once."""

from __future__ import annotations

import signal
from typing import Any

import httpx

from tests.integration.fleet.conftest import Fleet
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until
from tests.support.writers import writers_by_slug

STATE_TIMEOUT_S = 30.0
HANDOVER_LIMIT_S = 8.0
"""A clean stop releases the leases: the channel moves well before a lease TTL (10 s)."""


def state(api: ServerProcess, channel_id: int) -> dict[str, Any]:
    answer = httpx.get(f"{api.base_url}/api/v1/channels/{channel_id}", headers=api.headers)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()["state"]
    return found


async def test_stop_start_and_delete_on_the_api_reach_the_worker_running_the_channel(
    fleet: Fleet, feeders: Feeders
) -> None:
    """Stop: the worker's FFmpeg ends and the channel shows stopped; start: online again;
    delete: no FFmpeg is left for it."""
    worker = fleet.worker("solo")
    api = fleet.start("api")
    feeder = await feeders.start()
    hls_dir = fleet.data_dir / "hls"
    async with api.async_client() as client:
        created = await client.post(
            "/api/v1/channels", json={"name": "Moving", "input_url": channel_url(feeder)}
        )
        assert created.status_code == 201, created.text
        channel_id, slug = created.json()["id"], created.json()["slug"]
        await wait_until(
            lambda: state(api, channel_id)["status"] == "online", STATE_TIMEOUT_S, "online"
        )
        assert slug in writers_by_slug(hls_dir)
        assert httpx.get(f"{worker.base_url}/healthz").status_code == 200
        metrics = httpx.get(f"{worker.base_url}/metrics").text
        assert 'streamfleet_worker_channels{worker="solo"} 1.0' in metrics
        assert 'streamfleet_worker_channels_by_status{status="online",worker="solo"} 1.0' in metrics

        assert (await client.post(f"/api/v1/channels/{channel_id}/stop")).status_code == 202
        await wait_until(
            lambda: (
                state(api, channel_id)["status"] == "stopped"
                and slug not in writers_by_slug(hls_dir)
            ),
            STATE_TIMEOUT_S,
            lambda: f"stopped without FFmpeg: {state(api, channel_id)}",
        )

        async def released() -> bool:
            return await fleet.holders() == {}

        await wait_until(released, STATE_TIMEOUT_S, "the disabled channel's lease given back")

        assert (await client.post(f"/api/v1/channels/{channel_id}/start")).status_code == 202
        await wait_until(
            lambda: state(api, channel_id)["status"] == "online", STATE_TIMEOUT_S, "online again"
        )

        assert (await client.delete(f"/api/v1/channels/{channel_id}")).status_code == 204
        await wait_until(
            lambda: slug not in writers_by_slug(hls_dir), STATE_TIMEOUT_S, "its FFmpeg gone"
        )


async def test_a_worker_stopped_with_sigterm_releases_its_channels_to_another_at_once(
    fleet: Fleet, feeders: Feeders
) -> None:
    """SIGTERM: the worker stops its FFmpeg, releases its leases and deregisters; the other
    worker runs the channel well within a lease TTL."""
    leaving = fleet.worker("leaving")
    api = fleet.start("api")
    feeder = await feeders.start()
    async with api.async_client() as client:
        created = await client.post(
            "/api/v1/channels", json={"name": "Handed", "input_url": channel_url(feeder)}
        )
        assert created.status_code == 201, created.text
    channel_id = created.json()["id"]
    await wait_until(
        lambda: state(api, channel_id)["status"] == "online", STATE_TIMEOUT_S, "online"
    )
    fleet.worker("staying")
    assert await fleet.holders() == {channel_id: "leaving"}, "a joining worker moves nothing"

    assert leaving.terminate() in (0, -signal.SIGTERM)  # uvicorn re-raises the signal it handled
    assert "leaving" not in await fleet.live_workers()

    async def with_staying() -> bool:
        return (await fleet.holders()).get(channel_id) == "staying"

    await wait_until(with_staying, HANDOVER_LIMIT_S, "the channel's lease on the other worker")
    await wait_until(
        lambda: state(api, channel_id)["status"] == "online", STATE_TIMEOUT_S, "online there"
    )
