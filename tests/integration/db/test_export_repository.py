"""Export jobs on every backend: claimed oldest first and once, finished with their parts,
failed when left running, and found for removal once ended long enough ago."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.domain.exports import ExportPart, ExportState
from tests.support.archive_index import archive_index, export_jobs, queued_export

T0 = datetime(2026, 5, 1, 10, 0, 0, 250000, tzinfo=UTC)


@pytest.fixture
async def jobs(database_url: str) -> AsyncIterator[ExportRepository]:
    async with archive_index(database_url), export_jobs(database_url) as repository:
        yield repository


async def test_jobs_are_claimed_oldest_first_and_only_once(jobs: ExportRepository) -> None:
    first = await jobs.create(queued_export(1, T0, T0 + timedelta(seconds=10)))
    second = await jobs.create(queued_export(2, T0, T0 + timedelta(seconds=20)))
    claimed = [await jobs.claim_next(), await jobs.claim_next(), await jobs.claim_next()]
    assert [j.id if j else None for j in claimed] == [first.id, second.id, None]
    assert await jobs.running_count() == 2
    assert [j.id for j in await jobs.newest()] == [second.id, first.id]


async def test_a_finished_job_keeps_its_parts_and_a_running_one_fails_at_start(
    jobs: ExportRepository,
) -> None:
    done = await jobs.create(queued_export(1, T0, T0 + timedelta(seconds=10)))
    left = await jobs.create(queued_export(1, T0, T0 + timedelta(seconds=4)))
    await jobs.claim_next()
    await jobs.claim_next()
    part = ExportPart(1, T0, T0 + timedelta(seconds=10), 12345)
    await jobs.finish(done.id, [part], T0 + timedelta(hours=1))
    assert await jobs.fail_running("interrupted", T0 + timedelta(hours=2)) == [left.id]
    finished = await jobs.get(done.id)
    assert (finished.state, finished.progress, finished.parts) == (ExportState.DONE, 1.0, (part,))
    failed = await jobs.get(left.id)
    assert (failed.state, failed.error) == (ExportState.FAILED, "interrupted")
    assert await jobs.ended_before(T0 + timedelta(hours=1, seconds=1)) == [done.id]
    await jobs.delete([done.id])
    assert await jobs.ids() == {left.id}
