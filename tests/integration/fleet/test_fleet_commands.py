"""Commands through an API node reach the worker running the channel: restart, log tail and
a source probe are answered once the worker has carried them out; a frozen or missing
worker gets a 202 with the command to follow; a restart asked while Redis is down is done
by the worker's sweep, which reads the command from the database."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import httpx
from sqlalchemy import select

from streamfleet.db.command_models import CommandRow
from tests.integration.fleet.conftest import Fleet
from tests.integration.fleet.test_fleet_channel_changes import state
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until
from tests.support.writers import writers_by_slug

STATE_TIMEOUT_S = 30.0
PATIENT_WAIT_S = "10"
"""``STREAMFLEET_COMMAND_WAIT_S`` where the test expects the worker's answer in the response."""
SHORT_WAIT_S = 1.0
"""``STREAMFLEET_COMMAND_WAIT_S`` where the test expects the 202 of a command still pending."""
ANSWER_SLACK_S = 3.0
"""What a 202 may take beyond the wait (the row's insert and reads, a busy machine)."""


async def online_channel(
    fleet: Fleet, api: ServerProcess, feeders: Feeders, name: str
) -> tuple[int, str, set[int]]:
    """A channel on a feeder of its own, once online: its id, slug and FFmpeg pids."""
    feeder = await feeders.start()
    async with api.async_client() as client:
        created = await client.post(
            "/api/v1/channels", json={"name": name, "input_url": channel_url(feeder)}
        )
    assert created.status_code == 201, created.text
    channel_id, slug = created.json()["id"], created.json()["slug"]
    await wait_until(
        lambda: state(api, channel_id)["status"] == "online", STATE_TIMEOUT_S, f"{name} online"
    )
    return channel_id, slug, writers_by_slug(fleet.data_dir / "hls").get(slug, set())


def new_writer(fleet: Fleet, slug: str, before: set[int]) -> set[int] | None:
    """The channel's FFmpeg pids once none of ``before`` is among them."""
    now = writers_by_slug(fleet.data_dir / "hls").get(slug, set())
    return now if now and not now & before else None


async def command_rows(fleet: Fleet, action: str) -> list[CommandRow]:
    async with fleet.database.sessions() as session:
        return list(await session.scalars(select(CommandRow).where(CommandRow.action == action)))


def followed(api: ServerProcess, location: str) -> dict[str, Any]:
    answer = httpx.get(f"{api.base_url}{location}", headers=api.headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_restart_log_tail_and_probe_through_an_api_node_are_answered_by_the_worker(
    server_fleet: Fleet, feeders: Feeders
) -> None:
    """Restart: the answer is the channel, and the FFmpeg that ran before is gone; log: the
    worker's FFmpeg lines; probe: a report made on the worker, of a loopback source
    (PostgreSQL, then MariaDB: the worker's answer is written under its fenced lease)."""
    fleet = server_fleet
    fleet.worker("owner")
    api = fleet.start("api", STREAMFLEET_COMMAND_WAIT_S=PATIENT_WAIT_S)
    channel_id, slug, pids = await online_channel(fleet, api, feeders, "Commanded")
    assert pids

    async with api.async_client(timeout=30.0) as client:
        log = await client.get(f"/api/v1/channels/{channel_id}/log")
        assert log.status_code == 200, log.text
        assert log.json()["lines"], "the owner's FFmpeg has written its input report"

        restarted = await client.post(f"/api/v1/channels/{channel_id}/restart")
        assert restarted.status_code == 202, restarted.text
        assert restarted.json()["slug"] == slug, "after the owner's answer: the channel itself"
        assert "Location" not in restarted.headers
        assert not writers_by_slug(fleet.data_dir / "hls").get(slug, set()) & pids
        await wait_until(lambda: new_writer(fleet, slug, pids), STATE_TIMEOUT_S, "a new FFmpeg")

        other = await feeders.start()
        probed = await client.post("/api/v1/probe", json={"url": channel_url(other)})
        assert probed.status_code == 200, probed.text
        report = probed.json()
        assert report["ok"] is True, report
        assert any(stream["kind"] == "video" for stream in report["streams"])

    [probe] = await command_rows(fleet, "probe")
    assert (probe.target_worker, probe.state) == ("owner", "done")
    assert [row.state for row in await command_rows(fleet, "restart")] == ["done"]


async def test_a_frozen_owner_gets_a_202_with_the_command_which_it_finishes_when_resumed(
    fleet: Fleet, feeders: Feeders
) -> None:
    """SIGSTOP of the worker: the restart answers 202 + Location within the wait, the command
    reads pending; SIGCONT: it becomes done and the channel's FFmpeg is a new one."""
    worker = fleet.worker("sleepy")
    api = fleet.start("api", STREAMFLEET_COMMAND_WAIT_S=str(SHORT_WAIT_S))
    channel_id, slug, pids = await online_channel(fleet, api, feeders, "Frozen")

    os.kill(worker.process.pid, signal.SIGSTOP)
    try:
        asked_at = time.monotonic()
        async with api.async_client(timeout=30.0) as client:
            answer = await client.post(f"/api/v1/channels/{channel_id}/restart")
        took_s = time.monotonic() - asked_at
        assert answer.status_code == 202, answer.text
        assert took_s < SHORT_WAIT_S + ANSWER_SLACK_S, took_s
        body = answer.json()
        location = answer.headers["Location"]
        assert location == f"/api/v1/commands/{body['id']}"
        assert (body["action"], body["channel_id"], body["state"]) == (
            "restart",
            channel_id,
            "pending",
        )
        assert followed(api, location)["state"] == "pending"
    finally:
        os.kill(worker.process.pid, signal.SIGCONT)

    await wait_until(
        lambda: followed(api, location)["state"] == "done",
        STATE_TIMEOUT_S,
        lambda: f"the command done after SIGCONT: {followed(api, location)}",
    )
    await wait_until(lambda: new_writer(fleet, slug, pids), STATE_TIMEOUT_S, "a new FFmpeg")


async def test_without_a_worker_start_is_followed_to_done_and_reads_are_refused_at_once(
    fleet: Fleet, feeders: Feeders
) -> None:
    """No worker: a log tail is 409 and a probe 503 (problem+json), a start is 202 with its
    command; the worker that joins runs the channel and the command reads done."""
    api = fleet.start("api", STREAMFLEET_COMMAND_WAIT_S=str(SHORT_WAIT_S))
    feeder = await feeders.start()
    async with api.async_client(timeout=30.0) as client:
        created = await client.post(
            "/api/v1/channels",
            json={"name": "Waiting", "input_url": channel_url(feeder), "enabled": False},
        )
        assert created.status_code == 201, created.text
        channel_id = created.json()["id"]

        log = await client.get(f"/api/v1/channels/{channel_id}/log")
        assert log.status_code == 409, log.text
        assert log.headers["content-type"] == "application/problem+json"
        assert "runs on no worker" in log.json()["detail"]
        probed = await client.post("/api/v1/probe", json={"url": channel_url(feeder)})
        assert probed.status_code == 503, probed.text
        assert "no live worker" in probed.json()["detail"]

        started = await client.post(f"/api/v1/channels/{channel_id}/start")
        assert started.status_code == 202, started.text
        location = started.headers["Location"]
        assert started.json()["state"] == "pending"

    fleet.worker("late")
    await wait_until(
        lambda: followed(api, location)["state"] == "done",
        STATE_TIMEOUT_S,
        lambda: f"the start done by the worker that took the channel: {followed(api, location)}",
    )
    assert state(api, channel_id)["status"] in ("starting", "online")


async def test_a_restart_asked_while_redis_is_down_is_carried_out_by_the_owners_sweep(
    fleet: Fleet, feeders: Feeders
) -> None:
    """Redis stopped: no wake-up and no reply travel, yet the owner reads the command at its
    next sweep and restarts the channel; the API node reads the row and answers."""
    fleet.worker("swept")
    api = fleet.start("api", STREAMFLEET_COMMAND_WAIT_S=PATIENT_WAIT_S)
    channel_id, slug, pids = await online_channel(fleet, api, feeders, "Swept")

    fleet.redis.stop()
    async with api.async_client(timeout=30.0) as client:
        answer = await client.post(f"/api/v1/channels/{channel_id}/restart")
    assert answer.status_code == 202, answer.text
    assert answer.json()["slug"] == slug, "the owner answered within the wait, through the row"
    await wait_until(lambda: new_writer(fleet, slug, pids), STATE_TIMEOUT_S, "a new FFmpeg")
