"""``/api/v1/workers`` on PostgreSQL, then MariaDB: the listing's shape, a drain asked for
(audited, operators and up), the drain states, and bad or unknown worker ids as problems.
Workers are registered and given channels through the cluster's own classes."""

from __future__ import annotations

from typing import Any

from streamfleet.cluster.channel_leases import LeaseBook
from streamfleet.cluster.workers import WorkerRegistry, WorkerSpec
from streamfleet.db.session import Database
from tests.support.server import ApiClient

NEWS = {"name": "News", "input_url": "srt://127.0.0.1:9000?mode=caller", "profile": "480p"}


async def _channel(api: ApiClient, name: str) -> dict[str, Any]:
    created = await api.post("/api/v1/channels", json={**NEWS, "name": name})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def _fleet(api: ApiClient) -> tuple[Database, dict[str, Any]]:
    """w1 (capacity 2) runs one transcoded channel, w2 (capacity 1, copy only) none."""
    database: Database = api.app.state.database  # type: ignore[attr-defined]
    registry = WorkerRegistry(database)
    await registry.register(WorkerSpec("w1", "host-a", 2, "1.2.3", {"zone": "a"}))
    await registry.register(WorkerSpec("w2", "host-b", 1, "1.2.4", {"transcode": "false"}))
    channel = await _channel(api, "News")
    assert await LeaseBook(database).claim_specific(channel["id"], "w1") is not None
    return database, channel


async def _listed(api: ApiClient) -> dict[str, dict[str, Any]]:
    answer = await api.get("/api/v1/workers")
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}


async def test_the_workers_list_shows_channels_load_heartbeat_and_drain_state(
    api_on_server_db: ApiClient,
) -> None:
    """Each worker: id, host, version, labels, capacity, its channels, load, heartbeat age."""
    _database, channel = await _fleet(api_on_server_db)
    listed = await _listed(api_on_server_db)
    w1 = listed["w1"]
    assert 0 <= w1.pop("heartbeat_age_s") < 5
    assert w1 == {
        "id": "w1",
        "host": "host-a",
        "version": "1.2.3",
        "labels": {"zone": "a"},
        "capacity": 2,
        "channel_count": 1,
        "channels": [{"id": channel["id"], "name": "News", "slug": channel["slug"]}],
        "load": 0.5,
        "live": True,
        "draining": False,
        "drain_state": "none",
    }
    assert (listed["w2"]["channel_count"], listed["w2"]["channels"]) == (0, [])


async def test_a_drain_is_202_audited_and_waits_while_no_other_worker_can_take_the_channel(
    api_on_server_db: ApiClient,
) -> None:
    """The only other worker takes copy channels only: the transcoded channel stays, waiting."""
    _database, _channel = await _fleet(api_on_server_db)
    operator = await api_on_server_db.as_role("operator", "ops")
    answer = await operator.post("/api/v1/workers/w1/drain")
    assert answer.status_code == 202, answer.text
    assert (answer.json()["draining"], answer.json()["drain_state"]) == (True, "waiting")
    listed = await _listed(api_on_server_db)
    assert (listed["w1"]["drain_state"], listed["w1"]["channel_count"]) == ("waiting", 1)
    assert listed["w2"]["draining"] is False
    audit = await api_on_server_db.get("/api/v1/audit", params={"action": "worker.drain"})
    (entry,) = audit.json()["items"]
    assert (entry["actor"], entry["target_type"], entry["target_id"]) == ("ops", "worker", "w1")


async def test_a_drain_moves_when_another_worker_can_take_the_channel(
    api_on_server_db: ApiClient,
) -> None:
    database, _channel = await _fleet(api_on_server_db)
    await WorkerRegistry(database).register(WorkerSpec("w3", "host-c", 4, "1.2.3"))
    answer = await api_on_server_db.post("/api/v1/workers/w1/drain")
    assert answer.json()["drain_state"] == "moving"


async def test_draining_an_unknown_worker_is_404_and_a_viewer_may_not_drain(
    api_on_server_db: ApiClient,
) -> None:
    await _fleet(api_on_server_db)
    unknown = await api_on_server_db.post("/api/v1/workers/nobody/drain")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert unknown.json()["detail"] == "no worker 'nobody' is registered"
    viewer = await api_on_server_db.as_role("viewer")
    refused = await viewer.post("/api/v1/workers/w1/drain")
    assert refused.status_code == 403
    assert (await _listed(api_on_server_db))["w1"]["draining"] is False


async def test_a_worker_id_longer_than_64_characters_is_422_naming_it(
    api_on_server_db: ApiClient,
) -> None:
    answer = await api_on_server_db.post(f"/api/v1/workers/{'w' * 65}/drain")
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in answer.json()["errors"]] == ["worker_id"]


async def test_a_single_serve_has_no_workers_and_nothing_to_drain(api: ApiClient) -> None:
    """On SQLite (``streamfleet serve``) there is no fleet."""
    assert (await api.get("/api/v1/workers")).json() == {"items": []}
    assert (await api.post("/api/v1/workers/w1/drain")).status_code == 404
