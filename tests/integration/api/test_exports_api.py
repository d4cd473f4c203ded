"""MP4 exports over HTTP with the engine's export runner and real FFmpeg: a 10 s span is one
MP4 of 10 s with ``moov`` before ``mdat``; a span across a gap is two playable parts; bad
requests are problems naming the field and store nothing; a job left running by a stopped
server is failed at the next start; ended jobs go with their files after the set time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import pytest

from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.domain.exports import ExportState
from streamfleet.engine.builder import build_engine
from streamfleet.engine.exporter import IDLE_POLL_S, ExportRunner
from streamfleet.engine.process import Spawner
from tests.support.archive_media import archive_run, mp4_atoms
from tests.support.media import Feeders, channel_url
from tests.support.server import ApiClient, api_client_for, settings_for_test
from tests.support.waiting import wait_until

T0 = datetime(2026, 5, 1, 10, 0, 0, tzinfo=UTC)
EXPORT_TIMEOUT_S = 30.0


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


async def recorded_channel(
    api: ApiClient, segments: list[tuple[Path, float]], *starts: datetime
) -> int:
    """A channel (not running) whose archive holds ``segments`` from each of ``starts``."""
    body = {"name": "Rec", "input_url": "udp://239.0.0.1:1234", "enabled": False}
    created = (await api.post("/api/v1/channels", json=body)).json()
    archive = ArchiveRepository(api.app.state.database.sessions)
    for start in starts:
        await archive_run(
            archive,
            api.app.state.settings.archive_dir,
            created["id"],
            created["slug"],
            segments,
            start,
        )
    return int(created["id"])


async def export(api: ApiClient, cid: int, start: datetime, end: datetime) -> dict[str, Any]:
    response = await api.post(
        f"/api/v1/channels/{cid}/exports", json={"from": iso(start), "to": iso(end)}
    )
    assert response.status_code == 202, response.text
    job: dict[str, Any] = response.json()
    return job


async def finished(api: ApiClient, job_id: int) -> dict[str, Any]:
    async def ended() -> dict[str, Any] | None:
        job: dict[str, Any] = (await api.get(f"/api/v1/exports/{job_id}")).json()
        return job if job["state"] in ("done", "failed") else None

    return await wait_until(ended, EXPORT_TIMEOUT_S, f"export {job_id} to end")


async def download(api: ApiClient, job_id: int, part: int, into: Path) -> Path:
    response = await api.get(f"/api/v1/exports/{job_id}/download", params={"part": part})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    path = into / f"{job_id}-{part}.mp4"
    path.write_bytes(response.content)
    return path


def decoded_seconds(path: Path) -> float:
    """Decode every video frame (an error fails the test); the file's duration."""
    with av.open(str(path)) as container:
        frames = sum(1 for _ in container.decode(video=0))
        assert frames > 0
        assert container.duration is not None
        return float(container.duration / av.time_base)


async def test_a_10_s_export_is_one_faststart_mp4_within_half_a_second_of_10_s(
    engine_api: ApiClient, hls_segments: list[tuple[Path, float]], tmp_path: Path
) -> None:
    cid = await recorded_channel(engine_api, hls_segments, T0)
    job = await export(engine_api, cid, T0 + timedelta(seconds=2), T0 + timedelta(seconds=12))
    assert job["state"] in ("queued", "running")
    assert [p["index"] for p in job["parts"]] == [1]
    done = await finished(engine_api, job["id"])
    assert done["state"] == "done", done
    assert done["progress"] == 1.0
    assert done["expires_at"] is not None
    (part,) = done["parts"]
    assert part["bytes"] > 0
    mp4 = await download(engine_api, job["id"], 1, tmp_path)
    assert mp4.stat().st_size == part["bytes"]
    assert abs(decoded_seconds(mp4) - 10.0) <= 0.5
    atoms = mp4_atoms(mp4)
    assert atoms.index("moov") < atoms.index("mdat")  # faststart
    listed = (await engine_api.get("/api/v1/exports")).json()["items"]
    assert [j["id"] for j in listed] == [job["id"]]


async def test_a_span_across_a_gap_is_cut_there_into_two_playable_parts(
    engine_api: ApiClient, hls_segments: list[tuple[Path, float]], tmp_path: Path
) -> None:
    first = hls_segments[:4]  # 8 s, then 22 s without recording, then 8 s
    cid = await recorded_channel(engine_api, first, T0, T0 + timedelta(seconds=30))
    job = await export(engine_api, cid, T0, T0 + timedelta(seconds=60))
    assert [(p["from"], p["to"]) for p in job["parts"]] == [
        (iso(T0), iso(T0 + timedelta(seconds=8))),
        (iso(T0 + timedelta(seconds=30)), iso(T0 + timedelta(seconds=38))),
    ]
    done = await finished(engine_api, job["id"])
    assert done["state"] == "done", done
    for part in (1, 2):
        assert abs(decoded_seconds(await download(engine_api, job["id"], part, tmp_path)) - 8) < 0.5
    missing = await engine_api.get(f"/api/v1/exports/{job['id']}/download", params={"part": 3})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"from": "2026-05-01T10:00:10Z", "to": "2026-05-01T10:00:00Z"}, "to", "after from"),
        ({"from": "2026-05-01T10:00:00Z", "to": "2026-05-02T10:00:01Z"}, "to", "24 hours"),
        ({"from": "2026-05-01T12:00:00Z", "to": "2026-05-01T12:10:00Z"}, "from", "no recorded"),
        ({"from": "ten o'clock", "to": "2026-05-01T10:00:10Z"}, "from", ""),
        ({"from": "2026-05-01T10:00:00", "to": "2026-05-01T10:00:10Z"}, "from", "time zone"),
        ({"to": "2026-05-01T10:00:10Z"}, "from", ""),
    ],
)
async def test_a_bad_export_request_is_a_problem_naming_the_field_and_stores_nothing(
    api: ApiClient,
    hls_segments: list[tuple[Path, float]],
    body: dict[str, str],
    field: str,
    message: str,
) -> None:
    cid = await recorded_channel(api, hls_segments, T0)
    response = await api.post(f"/api/v1/channels/{cid}/exports", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in fields, fields
    assert message in fields[field]
    assert (await api.get("/api/v1/exports")).json() == {"items": []}
    assert not any(
        (await api.get("/api/v1/audit", params={"action": "export.create"})).json()["items"]
    )


async def test_operators_export_viewers_only_read_and_each_export_is_audited(
    api: ApiClient, hls_segments: list[tuple[Path, float]]
) -> None:
    cid = await recorded_channel(api, hls_segments, T0)
    span = {"from": iso(T0), "to": iso(T0 + timedelta(seconds=4))}
    viewer = await api.as_role("viewer")
    refused = await viewer.post(f"/api/v1/channels/{cid}/exports", json=span)
    assert refused.status_code == 403
    operator = await api.as_role("operator", username="op")
    job = (await operator.post(f"/api/v1/channels/{cid}/exports", json=span)).json()
    assert job["requested_by"] == "op"
    assert (await viewer.get(f"/api/v1/exports/{job['id']}")).json()["state"] == "queued"
    early = await viewer.get(f"/api/v1/exports/{job['id']}/download")
    assert early.status_code == 409  # no runner in this app: it stays queued
    entries = (await api.get("/api/v1/audit", params={"action": "export.create"})).json()["items"]
    assert [(e["target_id"], e["actor"]) for e in entries] == [(str(job["id"]), "op")]
    assert (await api.get("/api/v1/exports/999")).status_code == 404


async def test_a_job_left_running_by_a_stopped_server_is_failed_at_the_next_start(
    tmp_path: Path, hls_segments: list[tuple[Path, float]]
) -> None:
    settings = settings_for_test(tmp_path / "data")
    async with api_client_for(settings) as api:
        cid = await recorded_channel(api, hls_segments, T0)
        job = await export(api, cid, T0, T0 + timedelta(seconds=4))
        jobs = ExportRepository(api.app.state.database.sessions)
        claimed = await jobs.claim_next()  # what a server killed mid-export leaves
        assert claimed is not None
        assert claimed.state is ExportState.RUNNING
        (settings.exports_dir / str(job["id"])).mkdir(parents=True)
        (settings.exports_dir / str(job["id"]) / "part-1.mp4.partial").write_bytes(b"half")
    async with api_client_for(settings, engine_factory=build_engine) as api:
        again = (await api.get(f"/api/v1/exports/{job['id']}")).json()
        assert again["state"] == "failed"
        assert "interrupted" in again["error"]
        assert not (settings.exports_dir / str(job["id"])).exists()


async def test_ended_exports_go_with_their_files_after_the_kept_hours(
    api: ApiClient, hls_segments: list[tuple[Path, float]]
) -> None:
    settings = api.app.state.settings
    cid = await recorded_channel(api, hls_segments, T0)
    old = await export(api, cid, T0, T0 + timedelta(seconds=4))
    young = await export(api, cid, T0, T0 + timedelta(seconds=6))
    jobs = ExportRepository(api.app.state.database.sessions)
    archive = ArchiveRepository(api.app.state.database.sessions)
    clock = [datetime.now(UTC)]
    runner = ExportRunner(settings, jobs, archive, Spawner(), now=lambda: clock[0])
    await runner.start()
    try:
        await wait_until(
            lambda: all_done(jobs, old["id"], young["id"]), EXPORT_TIMEOUT_S, "both exports"
        )
        finished_at = (await jobs.get(young["id"])).finished_at
        assert finished_at is not None
        await jobs.finish(
            old["id"], (await jobs.get(old["id"])).parts, finished_at - timedelta(hours=2)
        )
        clock[0] = finished_at + timedelta(hours=settings.export_keep_hours - 1)
        assert await runner.expire() == [old["id"]]
    finally:
        await runner.stop()
    assert not (settings.exports_dir / str(old["id"])).exists()
    assert (settings.exports_dir / str(young["id"]) / "part-1.mp4").is_file()
    assert (await api.get(f"/api/v1/exports/{old['id']}")).status_code == 404
    assert (await api.get(f"/api/v1/exports/{young['id']}")).json()["state"] == "done"


async def test_exports_beyond_the_running_limit_wait_queued(
    api: ApiClient, hls_segments: list[tuple[Path, float]]
) -> None:
    settings = api.app.state.settings
    assert settings.export_max_running == 1
    cid = await recorded_channel(api, hls_segments, T0)
    first = await export(api, cid, T0, T0 + timedelta(seconds=4))
    second = await export(api, cid, T0, T0 + timedelta(seconds=6))
    jobs = ExportRepository(api.app.state.database.sessions)
    archive = ArchiveRepository(api.app.state.database.sessions)
    runner = ExportRunner(settings, jobs, archive, Spawner(), now=lambda: datetime.now(UTC))
    try:
        await runner.tick()  # what the runner's loop does every second
        assert (await jobs.get(second["id"])).state is ExportState.QUEUED
        await wait_until(lambda: all_done(jobs, first["id"]), EXPORT_TIMEOUT_S, "the first")
        assert (await jobs.get(second["id"])).state is ExportState.QUEUED

        async def ticked() -> bool:  # the first one's slot frees once its task has ended
            await runner.tick()
            return await all_done(jobs, second["id"])

        await wait_until(ticked, EXPORT_TIMEOUT_S, "the second")
    finally:
        await runner.stop()


async def test_a_runner_is_woken_by_an_ended_job_for_the_next_queued_one(
    api: ApiClient, hls_segments: list[tuple[Path, float]]
) -> None:
    """A runner that would look only once an hour, with two jobs queued and room for one: its
    first look takes the first; the second is claimed only because the first one's end woke
    the runner (waking for a newly queued job is the next test's)."""
    settings = api.app.state.settings
    assert settings.export_max_running == 1
    cid = await recorded_channel(api, hls_segments, T0)
    first = await export(api, cid, T0, T0 + timedelta(seconds=4))
    second = await export(api, cid, T0, T0 + timedelta(seconds=6))
    jobs = ExportRepository(api.app.state.database.sessions)
    archive = ArchiveRepository(api.app.state.database.sessions)
    runner = ExportRunner(
        settings, jobs, archive, Spawner(), now=lambda: datetime.now(UTC), poll_interval_s=3600
    )
    await runner.start()
    try:
        await wait_until(
            lambda: all_done(jobs, first["id"], second["id"]), EXPORT_TIMEOUT_S, "both exports"
        )
    finally:
        await runner.stop()


async def test_serves_runner_waits_to_be_woken_and_the_api_wakes_it(
    engine_api: ApiClient, hls_segments: list[tuple[Path, float]]
) -> None:
    """``serve``'s runner looks every ``IDLE_POLL_S`` by itself; the export is done well before
    that because queueing it woke the runner."""
    exporter = engine_api.app.state.engine.exporter
    assert exporter.poll_interval_s == IDLE_POLL_S > EXPORT_TIMEOUT_S
    cid = await recorded_channel(engine_api, hls_segments, T0)
    job = await export(engine_api, cid, T0, T0 + timedelta(seconds=4))
    assert (await finished(engine_api, job["id"]))["state"] == "done"


async def all_done(jobs: ExportRepository, *ids: int) -> bool:
    states = [(await jobs.get(i)).state for i in ids]
    return all(state is ExportState.DONE for state in states)


async def test_a_live_recording_exports_10_s_as_an_mp4_of_10_s(
    engine_api: ApiClient, feeders: Feeders, tmp_path: Path
) -> None:
    """End to end: what the recorder archived from a live channel, exported."""
    feeder = await feeders.start()
    created = await engine_api.post(
        "/api/v1/channels",
        json={
            "name": "Live",
            "input_url": channel_url(feeder),
            "recording": True,
            "hls": {"segment_seconds": 2, "list_size": 3},
        },
    )
    cid = int(created.json()["id"])
    archive = ArchiveRepository(engine_api.app.state.database.sessions)
    far = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))

    async def enough() -> list[Any] | None:
        segments = await archive.between(cid, *far, 100)
        return segments if len(segments) >= 7 else None

    segments = await wait_until(enough, 60, "7 archived segments")
    start = segments[1].start
    job = await export(engine_api, cid, start, start + timedelta(seconds=10))
    done = await finished(engine_api, job["id"])
    assert done["state"] == "done", done
    mp4 = await download(engine_api, job["id"], 1, tmp_path)
    assert abs(decoded_seconds(mp4) - 10.0) <= 0.5
