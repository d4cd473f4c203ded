"""``Drain`` round by round on PostgreSQL, then MariaDB: the real registry, lease book and move
log, and a worker of the test's own in place of ``FleetWorker`` (it holds leases and records
which channels it was told to stop)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.cluster.workers import WorkerRegistry, WorkerSpec
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.session import Database
from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_move import MoveReason
from streamfleet.domain.status import Status, StatusChanged, StatusEvent
from streamfleet.fleet.drain import Drain
from streamfleet.fleet.moves import MoveLog
from tests.integration.cluster.conftest import OpenDatabase, add_channels, fleet_url, open_database

__all__ = ["fleet_url", "open_database"]


@dataclass
class HeldChannels:
    """What ``Drain`` sees of a worker: its spec, its drain flag, the leases it runs under."""

    spec: WorkerSpec
    leases: dict[int, ChannelLease]
    configs: dict[int, Channel]
    draining: bool = False
    stopped: list[int] = field(default_factory=list)

    def running_leases(self) -> Mapping[int, ChannelLease]:
        return dict(self.leases)

    def config(self, channel_id: int) -> Channel | None:
        return self.configs.get(channel_id)

    async def let_go(self, channel_id: int) -> ChannelLease | None:
        self.stopped.append(channel_id)
        self.configs.pop(channel_id, None)
        return self.leases.pop(channel_id, None)


async def _worker(database: Database, spec: WorkerSpec, channels: int) -> HeldChannels:
    """``spec`` registered, holding ``channels`` new channels."""
    await WorkerRegistry(database).register(spec)
    ids = await add_channels(database, channels)
    book = LeaseBook(database)
    leases = {cid: lease for cid in ids if (lease := await book.claim_specific(cid, spec.id))}
    stored = await ChannelRepository(database.sessions, srt_port_range=(9000, 9100)).by_ids(ids)
    return HeldChannels(spec, leases, {c.id: c for c in stored})


def _drain(database: Database, worker: HeldChannels) -> Drain:
    moves = MoveLog(EventRepository(database.sessions), None)
    return Drain(worker, WorkerRegistry(database), LeaseBook(database), moves, None)


async def _moved_rows(database: Database) -> list[tuple[int, str, str, dict[str, object]]]:
    page = await EventRepository(database.sessions).list_page(type="moved")
    return [(e.channel_id, e.reason, e.worker, e.data) for e in reversed(page.items)]


async def test_a_worker_over_its_capacity_moves_the_excess_to_another(
    open_database: OpenDatabase,
) -> None:
    """Capacity 1, two channels held: the lower id is stopped, then handed to b at the next
    epoch, and the move is recorded as ``over capacity``; the other stays."""
    database = await open_database()
    a = await _worker(database, WorkerSpec("a", "h", 1, "1"), 2)
    await WorkerRegistry(database).register(WorkerSpec("b", "h", 5, "1"))
    first, second = sorted(a.leases)
    epoch = a.leases[first].epoch
    move = await _drain(database, a).step()
    assert move is not None
    assert (move.channel_id, move.to_worker, move.reason) == (first, "b", MoveReason.OVER_CAPACITY)
    assert a.stopped == [first]
    assert await LeaseBook(database).holders() == {first: "b", second: "a"}
    assert await _moved_rows(database) == [
        (first, "over capacity", "b", {"from": "a", "to": "b", "epoch": epoch + 1})
    ]


async def test_a_drain_waits_with_nowhere_to_go_and_moves_once_a_worker_joins(
    open_database: OpenDatabase,
) -> None:
    """The only other worker drains too: nothing is stopped and the drain waits; a worker
    that joins gets the channel."""
    database = await open_database()
    a = await _worker(database, WorkerSpec("a", "h", 4, "1"), 1)
    a.draining = True
    registry = WorkerRegistry(database)
    await registry.register(WorkerSpec("b", "h", 4, "1"))
    assert await registry.drain("b")
    drain = _drain(database, a)
    assert await drain.step() is None
    assert (drain.waiting, a.stopped, await _moved_rows(database)) == (True, [], [])
    await registry.register(WorkerSpec("c", "h", 4, "1"))
    move = await drain.step()
    assert move is not None
    assert (move.to_worker, move.reason, drain.waiting) == ("c", MoveReason.DRAINED, False)


async def test_a_drain_moves_the_next_channel_only_once_the_last_one_runs_on_its_new_worker(
    open_database: OpenDatabase,
) -> None:
    """One at a time: until b writes a status past ``starting`` for the moved channel, no
    other channel is stopped."""
    database = await open_database()
    a = await _worker(database, WorkerSpec("a", "h", 4, "1"), 2)
    a.draining = True
    await WorkerRegistry(database).register(WorkerSpec("b", "h", 4, "1"))
    first, second = sorted(a.leases)
    drain = _drain(database, a)
    assert (await drain.step()) is not None
    assert await drain.step() is None
    assert a.stopped == [first]
    events = EventRepository(database.sessions)
    await events.record_status(
        StatusChanged(
            first,
            datetime.now(UTC),
            Status.STARTING,
            Status.ONLINE,
            StatusEvent.PROGRESS_SEEN,
            "",
            "b",
        )
    )
    move = await drain.step()
    assert move is not None
    assert (move.channel_id, a.stopped) == (second, [first, second])
    assert await drain.step() is None  # nothing left
    assert drain.moved == 2
