"""Two API nodes on PostgreSQL and Redis run the fleet's single jobs once: an alert opens once
and is delivered once; after a kill -9 of the node holding the alerts and outbox leases the
other takes them over within the TTL and delivers what was pending, once; an export asked of
one node is run by one process; a scheduled backup is written once per interval."""

from __future__ import annotations

import itertools
import json
import os
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from streamfleet.backup.retention import taken_at
from streamfleet.cluster.leader_lease import ALERTS, OUTBOX, LeaderLease
from streamfleet.cluster.leader_lease import BACKUPS as BACKUPS_JOB
from streamfleet.cluster.timing import LEASE_TTL_S
from streamfleet.db.repositories.alerts import AlertRepository
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.repositories.outbox import OutboxRepository
from streamfleet.domain.status import Status, StatusChanged
from streamfleet.domain.status import StatusEvent as E
from streamfleet.events.redis_bus import RedisBus
from tests.integration.alerts.conftest import WebhookReceiver, status_envelope
from tests.integration.fleet.conftest import Fleet
from tests.support.archive_media import archive_run
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

ALERTING = {
    "STREAMFLEET_ALERT_GROUP_WINDOW_S": "0.5",
    "STREAMFLEET_NOTIFY_RETRY_BASE_S": "3",
    "STREAMFLEET_NOTIFY_TIMEOUT_S": "5",
}
"""A failed delivery is retried 3 s later: long enough to kill its sender before it retries."""
LEADER_WAIT_S = 20.0
DELIVERY_WAIT_S = 30.0
PUBLISH_EVERY_S = 0.5
"""How often a worker's status is published again until the alerts leader has seen it."""
BACKUP_INTERVAL_S = 3.0
BACKUPS = 3
BACKUP_WAIT_S = 60.0
EXPORT_WAIT_S = 60.0
T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)


async def leader_pid(fleet: Fleet, name: str) -> int | None:
    """The pid of the API node holding the ``name`` lease (``api:<host>:<pid>:<random>``)."""
    term = await LeaderLease(fleet.database, name).holder()
    return int(term.holder.split(":")[2]) if term is not None else None


async def leads(fleet: Fleet, node: ServerProcess, *names: str) -> bool:
    return all([await leader_pid(fleet, name) == node.process.pid for name in names])


def post(node: ServerProcess, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{node.base_url}{path}", json=body, headers=node.headers)
    assert answer.status_code in (201, 202), answer.text
    created: dict[str, Any] = answer.json()
    return created


async def alerts_of(fleet: Fleet, channel_id: int) -> int:
    return (await AlertRepository(fleet.database.sessions).list_page(channel_id=channel_id)).total


async def lose_source(fleet: Fleet, bus: RedisBus, channel: dict[str, Any]) -> None:
    """What a worker does when a channel's source goes: store the status, then publish it."""
    at = datetime.now(UTC)
    await EventRepository(fleet.database.sessions).record(
        StatusChanged(
            channel["id"], at, Status.ONLINE, Status.OFFLINE, E.PROCESS_EXITED, "source lost", "w1"
        )
    )
    await bus.publish(status_envelope(channel["slug"], "offline", "online", "source lost"))


async def goes_offline(fleet: Fleet, bus: RedisBus, channel: dict[str, Any]) -> None:
    """The channel's source goes; its status is published again until an alert is open (the
    alerts leader may not be subscribed in Redis yet)."""
    await lose_source(fleet, bus, channel)

    async def alerted() -> bool:
        if await alerts_of(fleet, channel["id"]):
            return True
        await bus.publish(status_envelope(channel["slug"], "offline", "online", "source lost"))
        return False

    await wait_until(alerted, DELIVERY_WAIT_S, f"an alert on {channel['slug']}", PUBLISH_EVERY_S)


async def settled(fleet: Fleet, delivered: int) -> dict[str, int]:
    async def done() -> dict[str, int] | None:
        states = await OutboxRepository(fleet.database.sessions).count_by_state()
        return (
            states if states.get("delivered") == delivered and not states.get("pending") else None
        )

    return await wait_until(done, DELIVERY_WAIT_S, f"{delivered} notifications delivered")


async def test_two_api_nodes_alert_and_deliver_once_and_the_other_takes_over_after_a_kill(
    server_fleet: Fleet, webhook_receiver: WebhookReceiver
) -> None:
    """On PostgreSQL, then MariaDB."""
    fleet = server_fleet
    worker_bus = await RedisBus.open(fleet.redis.url, fleet.prefix)
    try:
        await _alert_once_and_hand_over(fleet, webhook_receiver, worker_bus)
    finally:
        await worker_bus.close()


async def _alert_once_and_hand_over(
    fleet: Fleet, webhook_receiver: WebhookReceiver, worker_bus: RedisBus
) -> None:
    receiver = webhook_receiver
    first = fleet.start("api", **ALERTING)
    await wait_until(lambda: leads(fleet, first, ALERTS, OUTBOX), LEADER_WAIT_S, "first leads")
    second = fleet.start("api", **ALERTING)
    post(first, "/api/v1/targets", {"name": "ops", "kind": "webhook", "url": receiver.url})
    channels = [
        post(
            second,
            "/api/v1/channels",
            {
                "name": f"Pushed {n}",
                "input_url": f"udp://239.0.0.1:{5000 + n}",
                "offline_grace_s": 1,
            },
        )
        for n in range(3)
    ]

    await goes_offline(fleet, worker_bus, channels[0])
    await settled(fleet, delivered=1)
    assert await alerts_of(fleet, channels[0]["id"]) == 1
    assert len(receiver.requests) == 1

    receiver.script = [500]  # the next delivery fails: its row waits 3 s for a retry
    await goes_offline(fleet, worker_bus, channels[1])

    async def failed_once() -> bool:
        page = await OutboxRepository(fleet.database.sessions).list_page(state="pending")
        return any(n.attempts == 1 for n in page.items)

    await wait_until(failed_once, DELIVERY_WAIT_S, "a failed attempt recorded, the row pending")
    killed_at = time.monotonic()
    os.kill(first.process.pid, signal.SIGKILL)
    await lose_source(fleet, worker_bus, channels[2])  # published while nobody evaluates
    await wait_until(
        lambda: leads(fleet, second, ALERTS, OUTBOX), LEASE_TTL_S + 5, "second takes over"
    )
    handover_s = time.monotonic() - killed_at
    print(f"alerts and outbox handover after kill -9: {handover_s:.2f} s")
    assert handover_s < LEASE_TTL_S

    await settled(fleet, delivered=3)  # the pending one, and the new leader's catch-up
    assert [await alerts_of(fleet, c["id"]) for c in channels] == [1, 1, 1]
    assert sorted(r.answered for r in receiver.requests) == [204, 204, 204, 500]


async def test_an_export_asked_of_one_api_node_is_run_by_exactly_one_process(
    fleet: Fleet, hls_segments: list[tuple[Path, float]]
) -> None:
    nodes = [fleet.start("api"), fleet.start("api")]
    channel = post(
        nodes[1],
        "/api/v1/channels",
        {"name": "Rec", "input_url": "udp://239.0.0.1:1234", "enabled": False},
    )
    archive = ArchiveRepository(fleet.database.sessions)
    await archive_run(
        archive, fleet.data_dir / "archive", channel["id"], channel["slug"], hls_segments, T0
    )
    span = {"from": _iso(T0), "to": _iso(T0 + timedelta(seconds=10))}
    job = post(nodes[1], f"/api/v1/channels/{channel['id']}/exports", span)

    def ended() -> dict[str, Any] | None:
        answer = httpx.get(
            f"{nodes[0].base_url}/api/v1/exports/{job['id']}", headers=nodes[0].headers
        )
        body: dict[str, Any] = answer.json()
        return body if body["state"] in ("done", "failed") else None

    done = await wait_until(ended, EXPORT_WAIT_S, f"export {job['id']} to end")
    assert done["state"] == "done", done
    runs = [n for n in nodes for line in _events(n, "export.started") if line["job"] == job["id"]]
    assert len(runs) == 1


async def test_a_scheduled_backup_is_written_once_per_interval_across_two_api_nodes(
    fleet: Fleet,
) -> None:
    """Every 3 s one backup, never two; after a kill -9 of the node writing them the other goes
    on from the newest backup: the gap over the kill is the handover, no run is repeated."""
    root = fleet.data_dir / "backups"
    env = {"STREAMFLEET_BACKUP_DIR": str(root), "STREAMFLEET_BACKUP_INTERVAL_S": "3"}
    nodes = {
        node.process.pid: node for node in (fleet.start("api", **env), fleet.start("api", **env))
    }

    def written(count: int) -> Callable[[], list[datetime] | None]:
        def found() -> list[datetime] | None:
            moments = sorted(
                moment
                for manifest in root.glob("streamfleet-*/manifest.json")
                if (moment := taken_at(manifest.parent.name)) is not None
            )
            return moments if len(moments) >= count else None

        return found

    before = await wait_until(written(BACKUPS), BACKUP_WAIT_S, f"{BACKUPS} scheduled backups")
    writer = await leader_pid(fleet, BACKUPS_JOB)
    assert writer in nodes
    os.kill(writer, signal.SIGKILL)
    moments = await wait_until(
        written(len(before) + 2), BACKUP_WAIT_S, "two backups by the other node"
    )
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(moments)]
    assert all(gap >= BACKUP_INTERVAL_S - 1 for gap in gaps), gaps  # names are to the second
    over_the_kill = gaps[len(before) - 1]
    assert over_the_kill <= BACKUP_INTERVAL_S + LEASE_TTL_S + 2, gaps


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _events(node: ServerProcess, event: str) -> list[dict[str, Any]]:
    found = []
    for line in node.stderr().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == event:
            found.append(entry)
    return found


async def test_a_deleted_channels_kept_archive_is_expired_by_the_fleets_retention(
    fleet: Fleet, hls_segments: list[tuple[Path, float]]
) -> None:
    """No worker runs a deleted channel: the retention leader expires its kept archive (older
    than the default 7 days), files and rows."""
    env = {"STREAMFLEET_ARCHIVE_RETENTION_INTERVAL_S": "1"}
    nodes = [fleet.start("api", **env), fleet.start("api", **env)]
    channel = post(
        nodes[0],
        "/api/v1/channels",
        {"name": "Gone", "input_url": "udp://239.0.0.1:1234", "enabled": False},
    )
    root = fleet.data_dir / "archive"
    archive = ArchiveRepository(fleet.database.sessions)
    rows = await archive_run(archive, root, channel["id"], channel["slug"], hls_segments, T0)
    deleted = httpx.delete(
        f"{nodes[1].base_url}/api/v1/channels/{channel['id']}",
        params={"keep_archive": "true"},
        headers=nodes[1].headers,
    )
    assert deleted.status_code == 204, deleted.text

    async def expired() -> bool:
        return -channel["id"] not in await archive.channel_ids()

    await wait_until(expired, LEADER_WAIT_S, "the kept archive expired")
    assert not any((root / row.path).exists() for row in rows)

    def passes() -> list[int]:
        return [e["deleted_channels"] for n in nodes for e in _events(n, "archive.retention")]

    # The pass logs what it deleted after its last row went, and the line reaches the node's
    # stderr later still: wait for it.
    await wait_until(
        lambda: sum(passes()) >= len(rows), 10, lambda: f"{len(rows)} deleted: {passes()}"
    )
    assert sum(passes()) == len(rows)
