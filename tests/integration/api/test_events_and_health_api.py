"""Event history and health endpoints over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.session import Database
from streamfleet.domain.status import Status, StatusChanged, StatusEvent
from tests.support.server import ApiClient, free_port

T0 = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


async def new_channel(api: ApiClient, name: str) -> int:
    body = {"name": name, "input_url": "udp://239.0.0.1:1234"}
    channel_id: int = (await api.post("/api/v1/channels", json=body)).json()["id"]
    return channel_id


async def record(api: ApiClient, channel_id: int, at: datetime, to: Status, reason: str) -> None:
    change = StatusChanged(
        channel_id, at, Status.STOPPED, to, StatusEvent.START_REQUESTED, reason, "w1"
    )
    await api.app.state.events.record(change)


async def test_recorded_status_changes_are_listed_newest_first(api: ApiClient) -> None:
    a = await new_channel(api, "A")
    b = await new_channel(api, "B")
    await record(api, a, T0, Status.STARTING, "operator")
    await record(api, b, T0 + timedelta(seconds=1), Status.STARTING, "operator")
    await record(
        api, a, T0 + timedelta(seconds=2), Status.ONLINE, "rtmp://u:topsecret@h/live opened"
    )

    everything = (await api.get("/api/v1/events")).json()
    assert everything["total"] == 3
    first = everything["items"][0]
    assert first["channel_id"] == a
    assert (first["type"], first["from_status"], first["to_status"]) == (
        "status",
        "stopped",
        "online",
    )
    assert "topsecret" not in first["reason"]
    assert first["at"] == "2026-05-01T08:00:02Z"
    only_b = (await api.get("/api/v1/events", params={"channel_id": b})).json()
    assert [e["channel_id"] for e in only_b["items"]] == [b]
    of_a = (await api.get(f"/api/v1/channels/{a}/events", params={"limit": 1})).json()
    assert (of_a["total"], len(of_a["items"])) == (2, 1)
    window = await api.get(
        "/api/v1/events",
        params={"since": "2026-05-01T08:00:01Z", "until": "2026-05-01T08:00:02+00:00"},
    )
    assert [e["channel_id"] for e in window.json()["items"]] == [b]


async def test_the_channel_state_shows_the_last_recorded_status(api: ApiClient) -> None:
    a = await new_channel(api, "A")
    await record(api, a, T0, Status.OFFLINE, "source lost")
    state = (await api.get(f"/api/v1/channels/{a}")).json()["state"]
    assert (state["status"], state["since"], state["reason"]) == (
        "offline",
        "2026-05-01T08:00:00Z",
        "source lost",
    )
    offline = (await api.get("/api/v1/channels", params={"status": "offline"})).json()
    assert [c["id"] for c in offline["items"]] == [a]


async def test_events_of_a_missing_channel_are_404(api: ApiClient) -> None:
    response = await api.get("/api/v1/channels/999/events")
    assert response.status_code == 404


async def test_healthz_and_readyz_answer_while_the_database_works(api: ApiClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    assert (await api.get("/readyz")).json() == {"status": "ready", "database": "ok"}


async def test_readyz_is_503_problem_when_the_database_is_gone(api: ApiClient) -> None:
    state = api.app.state
    working = (state.database, state.channels)
    # The database server vanishes: nothing listens on its port any more.
    gone = Database(f"postgresql+asyncpg://streamfleet@127.0.0.1:{free_port()}/gone")
    state.database = gone
    state.channels = ChannelRepository(gone.sessions, srt_port_range=(10000, 10999))
    try:
        response = await api.get("/readyz")
        listing = await api.get("/api/v1/channels")
    finally:
        state.database, state.channels = working
        await gone.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("database not reachable")
    assert listing.status_code == 503
    assert listing.json()["detail"].startswith("database not available")
