"""The database's clock, in SQL: every lease expiry is decided by it, never by a worker's clock.

Two workers whose clocks disagree by a minute still agree on whether a lease has
expired, because the comparison (``expires_at <= now``) and the writing of
``expires_at`` both happen inside the database, with the database's time. Times are
naive UTC like every stored time (``db/base.py``): ``statement_timestamp() AT TIME
ZONE 'UTC'`` on PostgreSQL (the start of the statement, whatever the session's time
zone), ``UTC_TIMESTAMP(6)`` on MySQL/MariaDB.

SQLite is refused here, once for the whole package: ``FOR UPDATE SKIP LOCKED`` has
no SQLite equivalent, and one SQLite file cannot be shared by a fleet anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import ColumnElement, func, literal_column, type_coerce

from streamfleet.cluster.errors import FleetNeedsServerDatabase
from streamfleet.db.base import UtcDateTime
from streamfleet.db.session import Database

SERVER_DIALECTS: Final = frozenset({"postgresql", "mysql"})
SQLITE_REFUSED: Final = (
    "the fleet needs PostgreSQL or MySQL/MariaDB (row locks with SKIP LOCKED); "
    "SQLite is for `streamfleet serve` on one box"
)


def require_server_database(database: Database) -> str:
    """The dialect of ``database``; raises ``FleetNeedsServerDatabase`` for SQLite."""
    if database.dialect not in SERVER_DIALECTS:
        raise FleetNeedsServerDatabase(SQLITE_REFUSED)
    return database.dialect


def db_now(dialect: str) -> ColumnElement[datetime]:
    """The database's current UTC time, naive like the stored times."""
    return type_coerce(_utc_now(dialect), UtcDateTime())


def db_now_plus(dialect: str, seconds: float) -> ColumnElement[datetime]:
    """The database's current UTC time plus ``seconds`` (a lease's expiry). ``seconds`` comes
    from our own settings, never from outside, so it is written into the SQL as a number."""
    micros: ColumnElement[float] = literal_column(str(round(seconds * 1_000_000)))
    if dialect == "postgresql":
        later = _utc_now(dialect) + micros * literal_column("interval '1 microsecond'")
    else:
        later = func.timestampadd(literal_column("MICROSECOND"), micros, _utc_now(dialect))
    return type_coerce(later, UtcDateTime())


def _utc_now(dialect: str) -> ColumnElement[datetime]:
    if dialect == "postgresql":
        return func.timezone("UTC", func.statement_timestamp())
    return func.utc_timestamp(literal_column("6"))


def db_now_minus(dialect: str, seconds: float) -> ColumnElement[datetime]:
    """The database's current UTC time minus ``seconds`` (the oldest live heartbeat)."""
    return db_now_plus(dialect, -seconds)
