"""Locked ranges over HTTP: operators lock and unlock a span of a channel's archive (audited),
viewers list them, and a bad span is a problem naming the field with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from streamfleet.db.repositories.archive_locks import ArchiveLockRepository
from tests.support.server import ApiClient

SPAN = {"from": "2026-05-01T10:00:00Z", "to": "2026-05-01T11:00:00Z"}


async def channel_id(api: ApiClient) -> int:
    body = {"name": "Rec", "input_url": "udp://239.0.0.1:1234", "enabled": False}
    return int((await api.post("/api/v1/channels", json=body)).json()["id"])


async def audited(api: ApiClient, action: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        await api.get("/api/v1/audit", params={"action": action})
    ).json()["items"]
    return items


async def test_an_operator_locks_and_unlocks_a_span_and_both_are_audited(api: ApiClient) -> None:
    cid = await channel_id(api)
    operator = await api.as_role("operator", username="op")
    created = await operator.post(
        f"/api/v1/channels/{cid}/recordings/locks", json={**SPAN, "reason": "incident 42"}
    )
    assert created.status_code == 201, created.text
    lock = created.json()
    assert (lock["from"], lock["to"], lock["reason"], lock["created_by"]) == (
        "2026-05-01T10:00:00Z",
        "2026-05-01T11:00:00Z",
        "incident 42",
        "op",
    )
    viewer = await api.as_role("viewer")
    listed = (await viewer.get(f"/api/v1/channels/{cid}/recordings/locks")).json()["items"]
    assert [item["id"] for item in listed] == [lock["id"]]
    gone = await operator.delete(f"/api/v1/channels/{cid}/recordings/locks/{lock['id']}")
    assert gone.status_code == 204
    again = await operator.delete(f"/api/v1/channels/{cid}/recordings/locks/{lock['id']}")
    assert again.status_code == 404
    assert (await viewer.get(f"/api/v1/channels/{cid}/recordings/locks")).json()["items"] == []
    for action in ("lock.create", "lock.delete"):
        (entry,) = await audited(api, action)
        assert (entry["actor"], entry["target_id"]) == ("op", str(lock["id"]))
        assert entry["changes"]["reason"] == [None, "incident 42"]


async def test_viewers_cannot_lock_or_unlock(api: ApiClient) -> None:
    cid = await channel_id(api)
    lock = (await api.post(f"/api/v1/channels/{cid}/recordings/locks", json=SPAN)).json()
    viewer = await api.as_role("viewer")
    assert (
        await viewer.post(f"/api/v1/channels/{cid}/recordings/locks", json=SPAN)
    ).status_code == 403
    path = f"/api/v1/channels/{cid}/recordings/locks/{lock['id']}"
    assert (await viewer.delete(path)).status_code == 403


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"from": "2026-05-01T10:00:00Z", "to": "2026-05-01T10:00:00Z"}, "to", "after from"),
        ({"from": "2026-05-01T10:00:00Z", "to": "2027-05-03T10:00:00Z"}, "to", "366 days"),
        ({"from": "soon", "to": "2026-05-01T10:00:00Z"}, "from", ""),
        ({"from": "2026-05-01T09:00:00Z", "to": "2026-05-01T10:00:00"}, "to", "time zone"),
        ({**SPAN, "reason": "x" * 201}, "reason", ""),
        ({**SPAN, "until": "forever"}, "until", ""),
    ],
)
async def test_a_bad_lock_is_a_problem_naming_the_field_and_stores_nothing(
    api: ApiClient, body: dict[str, str], field: str, message: str
) -> None:
    cid = await channel_id(api)
    response = await api.post(f"/api/v1/channels/{cid}/recordings/locks", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in fields, fields
    assert message in fields[field]
    assert (await api.get(f"/api/v1/channels/{cid}/recordings/locks")).json()["items"] == []
    assert await audited(api, "lock.create") == []


async def test_locks_of_an_unknown_channel_are_404(api: ApiClient) -> None:
    assert (await api.get("/api/v1/channels/999/recordings/locks")).status_code == 404
    assert (await api.post("/api/v1/channels/999/recordings/locks", json=SPAN)).status_code == 404


@pytest.mark.parametrize("keep_archive", ["true", "false"])
async def test_a_deleted_channel_takes_its_locks_along(api: ApiClient, keep_archive: str) -> None:
    """A kept archive ages out with retention: no lock (that nobody could delete) holds it."""
    cid = await channel_id(api)
    other = await channel_id(api)
    for channel in (cid, other):
        await api.post(f"/api/v1/channels/{channel}/recordings/locks", json=SPAN)
    response = await api.delete(f"/api/v1/channels/{cid}", params={"keep_archive": keep_archive})
    assert response.status_code == 204
    locks = ArchiveLockRepository(api.app.state.database.sessions)
    assert [span.channel_id for span in await locks.kept_spans()] == [other]
