"""Fencing: a write made under a lease commits only while that lease's epoch is current.

``fenced_transaction`` opens a transaction, reads the lease row with a shared lock
(``FOR SHARE``; ``LOCK IN SHARE MODE`` on MariaDB) on the condition "this holder,
this epoch, not expired by the database's clock", and raises ``StaleEpoch`` when no
row matches. The shared lock is held until the write commits, so no claim can bump
the epoch between the check and the write (a claimer's ``SKIP LOCKED`` passes the row
by; a ``claim_specific`` or a leader ``acquire`` waits). A frozen worker that wakes up
after its lease moved therefore gets ``StaleEpoch``, and its write is rolled back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.cluster.errors import StaleEpoch
from streamfleet.cluster.lease_transaction import lease_transaction


@asynccontextmanager
async def fenced_transaction(
    sessions: async_sessionmaker[AsyncSession], current: Select[Any], stale: str
) -> AsyncIterator[AsyncSession]:
    """A transaction that first proves ``current`` selects a row (locked shared until commit);
    raises ``StaleEpoch(stale)`` otherwise, before anything is written."""
    async with lease_transaction(sessions) as session:
        await assert_current_in(session, current, stale)
        yield session


async def assert_current_in(session: AsyncSession, current: Select[Any], stale: str) -> None:
    """Within ``session``'s transaction: lock the lease row shared, or raise ``StaleEpoch``."""
    row = (await session.execute(current.with_for_update(read=True))).first()
    if row is None:
        raise StaleEpoch(stale)
