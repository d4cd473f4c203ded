"""``GET /api/v1/channels/{id}/recordings``: ranges and gaps from the archive's index, bad
spans answered 422 naming the field, and a live recording answered as one range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.domain.archive import ArchivedSegment, archive_path
from tests.support.media import Feeders, channel_url
from tests.support.server import ApiClient
from tests.support.waiting import wait_until

T0 = datetime(2026, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def channel_id(api: ApiClient, **fields: Any) -> int:
    body = {"name": "Rec", "input_url": "udp://239.0.0.1:1234", "enabled": False, **fields}
    response = await api.post("/api/v1/channels", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_ranges_and_gaps_come_from_the_index(api: ApiClient) -> None:
    cid = await channel_id(api, hls={"segment_seconds": 2})
    archive = ArchiveRepository(api.app.state.database.sessions)
    starts = [T0 + timedelta(seconds=2 * n) for n in range(5)]  # 10 s
    starts += [T0 + timedelta(seconds=30 + 2 * n) for n in range(3)]  # after a 20 s gap
    await archive.add(
        [
            ArchivedSegment(cid, s, 2.0, 1000, archive_path("rec", s, f"a1_{n}.ts"))
            for n, s in enumerate(starts)
        ]
    )
    response = await api.get(
        f"/api/v1/channels/{cid}/recordings",
        params={"from": iso(T0 - timedelta(hours=1)), "to": iso(T0 + timedelta(hours=1))},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "ranges": [
            {"from": iso(T0), "to": iso(T0 + timedelta(seconds=10)), "segments": 5, "bytes": 5000},
            {
                "from": iso(T0 + timedelta(seconds=30)),
                "to": iso(T0 + timedelta(seconds=36)),
                "segments": 3,
                "bytes": 3000,
            },
        ],
        "gaps": [{"from": iso(T0 + timedelta(seconds=10)), "to": iso(T0 + timedelta(seconds=30))}],
    }
    viewer = await api.as_role("viewer")
    assert (await viewer.get(f"/api/v1/channels/{cid}/recordings")).json() == {
        "ranges": [],
        "gaps": [],
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2026-05-01T10:00:00Z", "to": "2026-05-01T09:00:00Z"}, "to", "after from"),
        ({"from": "2026-05-01T10:00:00Z", "to": "2026-05-03T10:00:00Z"}, "to", "24 hours"),
        ({"from": "yesterday"}, "from", ""),
        ({"to": "2026-05-01T10:00:00"}, "to", "time zone"),
    ],
)
async def test_a_bad_span_is_a_problem_naming_the_field(
    api: ApiClient, params: dict[str, str], field: str, message: str
) -> None:
    cid = await channel_id(api)
    response = await api.get(f"/api/v1/channels/{cid}/recordings", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in fields, fields
    assert message in fields[field]


async def test_an_unknown_channel_is_404(api: ApiClient) -> None:
    assert (await api.get("/api/v1/channels/999/recordings")).status_code == 404


async def test_a_live_recording_is_one_range_as_long_as_what_was_recorded(
    engine_api: ApiClient, feeders: Feeders
) -> None:
    feeder = await feeders.start()
    cid = await channel_id(
        engine_api,
        input_url=channel_url(feeder),
        enabled=True,
        recording=True,
        hls={"segment_seconds": 2, "list_size": 3},
    )

    async def recorded() -> dict[str, Any] | None:
        body: dict[str, Any] = (await engine_api.get(f"/api/v1/channels/{cid}/recordings")).json()
        ranges = body["ranges"]
        return body if ranges and ranges[-1]["segments"] >= 12 else None

    body = await wait_until(recorded, 60, "12 recorded segments in the ranges")
    assert body["gaps"] == []
    (only,) = body["ranges"]
    length = (
        datetime.fromisoformat(only["to"]) - datetime.fromisoformat(only["from"])
    ).total_seconds()
    assert 22 <= length <= 36  # 12+ segments of ~2 s (cut at keyframes)
    assert only["bytes"] > 0


async def archived_channel(api: ApiClient, name: str) -> tuple[int, ArchiveRepository, Path]:
    """A channel with one archived segment: its row and its file."""
    cid = await channel_id(api, name=name)
    slug = (await api.get(f"/api/v1/channels/{cid}")).json()["slug"]
    archive = ArchiveRepository(api.app.state.database.sessions)
    relative = archive_path(slug, T0, "a1_000000.ts")
    file = api.app.state.settings.archive_dir / relative
    file.parent.mkdir(parents=True)
    file.write_bytes(b"\x47" * 188)
    await archive.add([ArchivedSegment(cid, T0, 2.0, 188, relative)])
    return cid, archive, file


async def test_a_deleted_channel_takes_its_archive_along_unless_asked_to_keep_it(
    api: ApiClient,
) -> None:
    gone, archive, gone_file = await archived_channel(api, "Gone")
    kept, _, kept_file = await archived_channel(api, "Kept")
    assert (await api.delete(f"/api/v1/channels/{gone}")).status_code == 204
    response = await api.delete(f"/api/v1/channels/{kept}", params={"keep_archive": "true"})
    assert response.status_code == 204
    assert not gone_file.exists()
    assert not gone_file.parent.parent.parent.exists()  # the channel's archive folder
    assert await archive.oldest(gone, 10) == []
    assert kept_file.exists()
    assert await archive.oldest(kept, 10) == []
    assert [s.path for s in await archive.oldest(-kept, 10)] == [
        kept_file.relative_to(api.app.state.settings.archive_dir).as_posix()
    ]


async def test_a_channel_created_after_one_deleted_with_its_archive_has_no_recordings(
    api: ApiClient,
) -> None:
    """SQLite hands the newest channel's id to the next one created after its deletion."""
    kept, archive, _ = await archived_channel(api, "Kept")
    response = await api.delete(f"/api/v1/channels/{kept}", params={"keep_archive": "true"})
    assert response.status_code == 204
    newcomer = await channel_id(api, name="Newcomer")
    recordings = (await api.get(f"/api/v1/channels/{newcomer}/recordings")).json()
    assert recordings["ranges"] == []
    assert len(await archive.oldest(-kept, 10)) == 1  # still kept, for retention to remove


async def test_turning_recording_off_keeps_what_was_recorded(api: ApiClient) -> None:
    cid, archive, file = await archived_channel(api, "Paused")
    response = await api.patch(f"/api/v1/channels/{cid}", json={"recording": False})
    assert response.status_code == 200, response.text
    assert file.exists()
    assert len(await archive.oldest(cid, 10)) == 1
