"""The fleet's coordination refuses SQLite with one clear line."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from streamfleet.cluster.channel_leases import LeaseBook
from streamfleet.cluster.errors import FleetNeedsServerDatabase
from streamfleet.cluster.leader_lease import PLACER, LeaderLease
from streamfleet.cluster.workers import WorkerRegistry
from streamfleet.db.session import Database

PARTS: list[Callable[[Database], object]] = [
    LeaseBook,
    WorkerRegistry,
    lambda database: LeaderLease(database, PLACER),
]


@pytest.mark.parametrize("part", PARTS, ids=["LeaseBook", "WorkerRegistry", "LeaderLease"])
async def test_every_part_of_the_fleet_refuses_sqlite_naming_the_databases_it_needs(
    sqlite_url: str, part: Callable[[Database], object]
) -> None:
    database = Database(sqlite_url)
    try:
        with pytest.raises(FleetNeedsServerDatabase) as refused:
            part(database)
    finally:
        await database.dispose()

    assert str(refused.value) == (
        "the fleet needs PostgreSQL or MySQL/MariaDB (row locks with SKIP LOCKED); "
        "SQLite is for `streamfleet serve` on one box"
    )
