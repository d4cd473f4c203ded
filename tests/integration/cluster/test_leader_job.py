"""Leader jobs on PostgreSQL and MariaDB: a job runs in one process at a time and moves when its
holder steps down; the alert, outbox and export writes of a holder whose term is over are
refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from streamfleet.cluster.errors import StaleEpoch
from streamfleet.cluster.leader_job import ACQUIRE_INTERVAL_S, LeaderJob, LeaderWork, Work
from streamfleet.cluster.leader_lease import ALERTS, EXPORTS, OUTBOX, LeaderLease
from streamfleet.cluster.timing import LEADER_TTL_S
from streamfleet.db.repositories.alerts import AlertRepository, NewAlert
from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.db.repositories.outbox import AttemptOutcome, NewNotification, OutboxRepository
from streamfleet.db.repositories.targets import TargetRepository
from tests.integration.cluster.conftest import OpenDatabase, add_channels
from tests.support.archive_index import queued_export
from tests.support.waiting import wait_until

SHORT_TTL_S = 0.5
EXPIRY_WAIT_S = 10.0
START_WAIT_S = 10.0
CLAIM = timedelta(seconds=30)


class Runs:
    """Who runs the job now, and the most processes that ever ran it at once."""

    def __init__(self) -> None:
        self.now: list[str] = []
        self.most = 0
        self.epochs: list[int] = []

    def work(self, holder: str) -> Work:
        async def run(work: LeaderWork) -> None:
            self.now.append(holder)
            self.epochs.append(work.term.epoch)
            self.most = max(self.most, len(self.now))
            try:
                await asyncio.Event().wait()
            finally:
                self.now.remove(holder)

        return run


async def test_a_leader_job_runs_in_one_process_and_moves_at_once_when_its_holder_stops(
    open_database: OpenDatabase,
) -> None:
    """A and B both run the job's loop: only A runs it; A stops cleanly (it steps down) and B
    runs it within a few acquire rounds, at the next epoch."""
    runs = Runs()
    a, b = [
        LeaderJob(LeaderLease(await open_database(), "test-job", LEADER_TTL_S), n, runs.work(n))
        for n in ("a", "b")
    ]
    a.start()
    await wait_until(lambda: runs.now == ["a"], START_WAIT_S, "A running the job")
    b.start()
    try:
        await wait_until(lambda: b.term is None and a.term is not None, START_WAIT_S, "A leading")
        await a.stop()
        await wait_until(lambda: runs.now == ["b"], 4 * ACQUIRE_INTERVAL_S + 1, "B taking over")
    finally:
        await a.stop()
        await b.stop()
    assert runs.most == 1
    assert runs.epochs == [runs.epochs[0], runs.epochs[0] + 1]


async def test_a_job_whose_work_ends_by_itself_steps_down_for_another_process(
    open_database: OpenDatabase,
) -> None:
    """A's work crashes at once: A releases the lease, and B runs the job."""
    runs = Runs()

    async def crash(_: LeaderWork) -> None:
        raise RuntimeError("the job broke")

    a = LeaderJob(LeaderLease(await open_database(), "test-crash", LEADER_TTL_S), "a", crash)
    b = LeaderJob(
        LeaderLease(await open_database(), "test-crash", LEADER_TTL_S), "b", runs.work("b")
    )
    a.start()
    b.start()
    try:
        await wait_until(lambda: runs.now == ["b"], START_WAIT_S, "B running the job A dropped")
    finally:
        await a.stop()
        await b.stop()


async def test_an_outbox_row_settled_under_a_stale_epoch_is_refused_and_stays_pending(
    open_database: OpenDatabase,
) -> None:
    """A claims a row under its term; its term expires and B takes the lease (epoch + 1); A's
    "delivered" is refused with ``StaleEpoch`` and rolled back; B's is written."""
    database_a, database_b = await open_database(), await open_database()
    lease_a = LeaderLease(database_a, OUTBOX, ttl_s=SHORT_TTL_S)
    lease_b = LeaderLease(database_b, OUTBOX)
    now = datetime.now(UTC)
    target = await TargetRepository(database_a.sessions).create(
        name="hook", kind="webhook", url="http://127.0.0.1:9/hook", secret=None, filters={}
    )
    [row] = await OutboxRepository(database_a.sessions).enqueue(
        [NewNotification(target.id, "opened", [], {"text": "down"}, 3)], now
    )
    old = await lease_a.acquire("a")
    assert old is not None
    stale = OutboxRepository(database_a.sessions).fenced(lambda: lease_a.fenced(old))
    assert await stale.claim(row.id, now, CLAIM) is not None

    new = await wait_until(lambda: lease_b.acquire("b"), EXPIRY_WAIT_S, "A's term to expire")
    assert new.epoch == old.epoch + 1
    with pytest.raises(StaleEpoch, match=f"epoch {old.epoch}"):
        await stale.record_attempt(row.id, now, AttemptOutcome(ok=True, status_code=204))

    outbox_b = OutboxRepository(database_b.sessions)
    kept = await outbox_b.get(row.id)
    assert (kept.state, kept.attempts, kept.delivered_at) == ("pending", 0, None)
    current = outbox_b.fenced(lambda: lease_b.fenced(new))
    settled = await current.record_attempt(row.id, now, AttemptOutcome(ok=True, status_code=204))
    assert (settled.state, settled.attempts) == ("delivered", 1)


async def test_an_export_claimed_under_a_stale_epoch_is_refused_and_stays_queued(
    open_database: OpenDatabase,
) -> None:
    """The ``exports`` leader's claim of a queued job commits only under the current term."""
    database_a, database_b = await open_database(), await open_database()
    lease_a = LeaderLease(database_a, EXPORTS, ttl_s=SHORT_TTL_S)
    lease_b = LeaderLease(database_b, EXPORTS)
    [channel_id] = await add_channels(database_a, 1)
    start = datetime(2026, 5, 1, 10, tzinfo=UTC)
    job = await ExportRepository(database_a.sessions).create(
        queued_export(channel_id, start, start + timedelta(seconds=10))
    )
    old = await lease_a.acquire("a")
    assert old is not None
    stale = ExportRepository(database_a.sessions, writes=lambda: lease_a.fenced(old))

    new = await wait_until(lambda: lease_b.acquire("b"), EXPIRY_WAIT_S, "A's term to expire")
    with pytest.raises(StaleEpoch):
        await stale.claim_next()

    assert (await ExportRepository(database_b.sessions).get(job.id)).state.value == "queued"
    current = ExportRepository(database_b.sessions, writes=lambda: lease_b.fenced(new))
    claimed = await current.claim_next()
    assert claimed is not None
    assert (claimed.id, claimed.state.value) == (job.id, "running")


async def test_an_alert_opened_under_a_stale_epoch_is_refused_and_not_stored(
    open_database: OpenDatabase,
) -> None:
    """The ``alerts`` leader opens an alert only under the current term: a frozen evaluator
    that wakes after a takeover opens nothing twice."""
    database_a, database_b = await open_database(), await open_database()
    lease_a = LeaderLease(database_a, ALERTS, ttl_s=SHORT_TTL_S)
    lease_b = LeaderLease(database_b, ALERTS)
    old = await lease_a.acquire("a")
    assert old is not None
    stale = AlertRepository(database_a.sessions).fenced(lambda: lease_a.fenced(old))
    alert = NewAlert(None, "worker:w1", "worker_lost", "critical", "w1 lost", datetime.now(UTC))

    await wait_until(lambda: lease_b.acquire("b"), EXPIRY_WAIT_S, "A's term to expire")
    with pytest.raises(StaleEpoch):
        await stale.open(alert)

    assert await AlertRepository(database_b.sessions).list_open() == []
