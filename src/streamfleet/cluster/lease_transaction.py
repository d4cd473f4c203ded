"""The transaction every lease statement runs in: ``READ COMMITTED`` on every server database.

PostgreSQL runs at ``READ COMMITTED`` by default; MySQL/MariaDB at ``REPEATABLE READ``,
where an ``UPDATE … WHERE channel_id IN (…)`` that the optimiser answers with a scan
locks every row it reads and so waits for rows another claimer holds, although none
of them matches. At ``READ COMMITTED`` InnoDB reads a locked row's last committed
version to decide whether it matches (a "semi-consistent read") and passes it by, and
releases the locks of rows a locking read examined without returning them: claims
then never wait for each other, as ``SKIP LOCKED`` intends. The level is set on the
connection for this transaction only; the pool puts the default back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.session import transaction

ISOLATION_LEVEL: Final = "READ COMMITTED"


@asynccontextmanager
async def lease_transaction(
    sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """``transaction()`` at ``READ COMMITTED``."""
    async with transaction(sessions) as session:
        await session.connection(execution_options={"isolation_level": ISOLATION_LEVEL})
        yield session
