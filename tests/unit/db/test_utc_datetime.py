"""Times are stored as naive UTC everywhere and come back timezone-aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import mysql, postgresql, sqlite

from streamfleet.db.base import UtcDateTime

DIALECTS = [sqlite.dialect(), postgresql.dialect(), mysql.dialect()]


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
def test_an_aware_time_is_stored_as_naive_utc(dialect: object) -> None:
    berlin = timezone(timedelta(hours=1))
    stored = UtcDateTime().process_bind_param(datetime(2026, 1, 1, 13, 0, tzinfo=berlin), dialect)
    assert stored == datetime(2026, 1, 1, 12, 0)
    assert stored.tzinfo is None


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        UtcDateTime().process_bind_param(datetime(2026, 1, 1), sqlite.dialect())


def test_a_stored_time_comes_back_as_utc() -> None:
    loaded = UtcDateTime().process_result_value(datetime(2026, 1, 1, 12, 0, 0, 123456), None)
    assert loaded == datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


def test_mysql_keeps_microseconds() -> None:
    column_type = UtcDateTime().load_dialect_impl(mysql.dialect())
    assert getattr(column_type, "fsp", None) == 6
