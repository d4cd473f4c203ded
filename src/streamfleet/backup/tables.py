"""The tables a backup holds: every table declared on ``Base.metadata``, parents first.

Except ``sessions``: a dashboard login belongs to the server that issued it, so
a restore logs everyone out (users and their API tokens are restored). And except
the fleet's coordination tables (``workers``, ``channel_leases``, ``leader_leases``):
runtime state rewritten every 2 s, meaningless on another fleet or an hour later.
A restore still empties them (``all_tables``): every lease is free after it, and the
workers register again at their next heartbeat. And except ``export_jobs``: MP4
exports live a few hours in ``data/exports``, which a backup does not hold (a restored
"done" job would point at no file); and except ``fleet_commands``, minutes-long runtime
state, and ``channel_media``, which the workers write again from the segments they read.
Locked ranges (``archive_locks``) are backed up.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeEngine

from streamfleet.db import (
    account_models,
    alert_models,
    archive_models,
    audit_models,
    cluster_models,
    command_models,
    export_models,
    media_models,
    models,
)
from streamfleet.db.base import Base

DECLARING_MODULES = (
    models,
    alert_models,
    account_models,
    audit_models,
    archive_models,
    cluster_models,
    command_models,
    export_models,
    media_models,
)
"""Imported for their side effect: each declares its tables on ``Base.metadata``."""


NOT_BACKED_UP = frozenset(
    {
        "sessions",
        "workers",
        "channel_leases",
        "leader_leases",
        "export_jobs",
        "fleet_commands",
        "channel_media",
    }
)


def model_tables() -> list[Table]:
    """Every table a backup holds, in foreign-key order (a parent before its children)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_BACKED_UP]


def all_tables() -> list[Table]:
    """Every streamfleet table in foreign-key order; a restore empties them all."""
    return list(Base.metadata.sorted_tables)


def model_table(name: str) -> Table | None:
    return Base.metadata.tables.get(name)


def table_with(table: Table, columns: tuple[str, ...]) -> Table:
    """``table`` with only ``columns`` and no defaults: the shape a backup file was written in."""
    return Table(
        table.name,
        MetaData(),
        *(Column(c.name, c.type, primary_key=c.primary_key) for c in table.c if c.name in columns),
    )


def serial_key(table: Table) -> str | None:
    """The name of the auto-incremented integer primary key of ``table``, if it has one."""
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        return None
    key = keys[0]
    if key.autoincrement in (True, "auto") and _is_integer(key.type):
        return key.name
    return None


def _is_integer(kind: TypeEngine[object]) -> bool:
    try:
        return issubclass(kind.python_type, int)
    except NotImplementedError:
        return isinstance(kind, Integer)


async def existing_columns(conn: AsyncConnection) -> dict[str, list[str]]:
    """The columns of every table in the connected database, by table name."""

    def read(sync: Connection) -> dict[str, list[str]]:
        from sqlalchemy import inspect

        inspector = inspect(sync)
        return {
            name: [c["name"] for c in inspector.get_columns(name)]
            for name in inspector.get_table_names()
        }

    return await conn.run_sync(read)
