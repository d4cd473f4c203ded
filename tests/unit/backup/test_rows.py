"""Rows become JSON the same way on every engine and come back as the same Python values."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.backup.errors import BackupUnreadable
from streamfleet.backup.rows import RowCodec, read_lines, write_lines
from streamfleet.db.alert_models import AlertRow

CODEC = RowCodec(AlertRow.__table__, ("id", "started_at", "ended_at", "notified", "data"))


def test_times_are_iso_utc_booleans_are_booleans_and_json_stays_json() -> None:
    row = {
        "id": 7,
        "started_at": datetime(2026, 1, 2, 5, 4, 5, 678901, tzinfo=timezone(timedelta(hours=2))),
        "ended_at": None,
        "notified": 1,  # how SQLite and MariaDB drivers may hand a boolean back
        "data": '{"a": [1, "ü"]}',  # a driver that hands JSON back as text
    }
    assert CODEC.encode(row) == {
        "id": 7,
        "started_at": "2026-01-02T03:04:05.678901+00:00",
        "ended_at": None,
        "notified": True,
        "data": {"a": [1, "ü"]},
    }


moments = st.datetimes(timezones=st.just(UTC), min_value=datetime(1970, 1, 2))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(moments, st.none() | moments, st.booleans(), st.dictionaries(st.text(), json_values))
def test_a_row_survives_the_file_unchanged(
    started: datetime, ended: datetime | None, notified: bool, data: dict[str, object]
) -> None:
    row = {"id": 1, "started_at": started, "ended_at": ended, "notified": notified, "data": data}
    lines = list(read_lines("alerts", write_lines([CODEC.encode(row)])))
    assert [CODEC.decode(line) for line in lines] == [row]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not gzip", "t.gz: not a complete gzip file"),
        (gzip.compress(b'{"id":1}\nnope\n'), "t.gz: line 2 is not JSON"),
        (gzip.compress(b"[1]\n"), "t.gz: line 1 is not a JSON object"),
        (gzip.compress(b"\xff\n"), "t.gz: line 1 is not UTF-8"),
        (gzip.compress(b'{"id":1}\n')[:-3], "t.gz: not a complete gzip file"),
    ],
)
def test_an_unreadable_table_file_is_named(data: bytes, message: str) -> None:
    with pytest.raises(BackupUnreadable) as refused:
        list(read_lines("t.gz", data))
    assert str(refused.value).startswith(message)
