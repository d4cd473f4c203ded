"""Each revision that adds tables does so on SQLite, PostgreSQL and MariaDB, matching their
models, and takes them away again on the way down (one row per revision below)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from streamfleet.db import cluster_models, migrate
from streamfleet.db.command_models import CommandRow
from streamfleet.db.media_models import ChannelMediaRow
from streamfleet.db.session import Database
from tests.integration.db.schema_compare import model_differences, tables


@dataclass(frozen=True)
class Revision:
    revision: str
    before: str
    tables: frozenset[str]

    def __str__(self) -> str:
        return f"{self.revision}-{'-'.join(sorted(self.tables))}"


REVISIONS = [
    Revision(
        "0006",
        "0005",
        frozenset(
            {
                cluster_models.WorkerRow.__tablename__,
                cluster_models.ChannelLeaseRow.__tablename__,
                cluster_models.LeaderLeaseRow.__tablename__,
            }
        ),
    ),
    Revision("0011", "0010", frozenset({CommandRow.__tablename__})),
    Revision("0012", "0011", frozenset({ChannelMediaRow.__tablename__})),
]


@pytest.mark.parametrize("revision", REVISIONS, ids=str)
async def test_the_tables_a_revision_adds_match_their_models(
    empty_database: Database, revision: Revision
) -> None:
    await migrate.upgrade(empty_database)

    assert await model_differences(empty_database, revision.tables) == []
    assert await tables(empty_database) >= revision.tables


@pytest.mark.parametrize("revision", REVISIONS, ids=str)
async def test_a_revision_goes_down_and_up_again(
    empty_database: Database, revision: Revision
) -> None:
    await migrate.upgrade(empty_database)

    assert await migrate.downgrade(empty_database, revision.before) == revision.before
    assert not await tables(empty_database) & revision.tables
    assert await migrate.upgrade(empty_database) == migrate.head_revision()
    assert await tables(empty_database) >= revision.tables
