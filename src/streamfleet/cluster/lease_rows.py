"""Lease rows are created once and then only updated: inserting the missing ones.

Claims lock existing rows (``FOR UPDATE SKIP LOCKED``) and never insert, so two
claimers never race to insert the same lease. Missing rows are added beforehand in
a short transaction of their own, which ignores rows a concurrent process inserted
first (``ON CONFLICT DO NOTHING`` on PostgreSQL, ``INSERT IGNORE`` on MySQL/MariaDB;
the latter also passes over a channel deleted in the meantime).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.cluster.lease_transaction import lease_transaction
from streamfleet.db.base import Base


async def insert_missing(
    sessions: async_sessionmaker[AsyncSession],
    dialect: str,
    model: type[Base],
    rows: Sequence[dict[str, Any]],
) -> None:
    """Insert ``rows`` into ``model``'s table, leaving any whose key already exists."""
    if not rows:
        return
    if dialect == "postgresql":
        statement: Any = pg_insert(model).values(list(rows)).on_conflict_do_nothing()
    else:
        statement = insert(model).values(list(rows)).prefix_with("IGNORE")
    async with lease_transaction(sessions) as session:
        await session.execute(statement)
