"""The audit log's changed fields (secrets masked) and its paging cursor."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.audit import (
    MASK,
    MAX_LIST_ITEMS,
    MAX_TEXT_CHARS,
    AuditCursor,
    decode_cursor,
    encode_cursor,
    field_changes,
)
from streamfleet.domain.errors import InvalidInput


def test_only_changed_fields_are_recorded_with_old_and_new_values() -> None:
    old = {"name": "News", "enabled": True, "tags": ("a",), "updated_at": 1}
    new = {"name": "News HD", "enabled": True, "tags": ("a", "b"), "updated_at": 2}
    assert field_changes(old, new) == {"name": ["News", "News HD"], "tags": [["a"], ["a", "b"]]}


def test_a_created_thing_shows_every_field_as_new_and_a_deleted_one_as_gone() -> None:
    assert field_changes(None, {"name": "x", "id": 4}) == {"name": [None, "x"]}
    assert field_changes({"name": "x"}, None) == {"name": ["x", None]}


@pytest.mark.parametrize("field", ["passphrase", "stream_key", "secret", "password", "token"])
def test_a_changed_secret_shows_that_it_changed_never_its_value(field: str) -> None:
    changes = field_changes({field: "old-secret-1"}, {field: "new-secret-2"})
    assert changes == {field: [MASK, MASK]}


def test_setting_or_clearing_a_secret_shows_which_side_had_one() -> None:
    assert field_changes({"passphrase": None}, {"passphrase": "p4ss-phrase-12"}) == {
        "passphrase": [None, MASK]
    }


@pytest.mark.parametrize("field", ["input_url", "backup_url", "url"])
def test_a_url_keeps_its_host_and_path_but_loses_its_credentials(field: str) -> None:
    changes = field_changes(
        {field: "rtsp://cam.example/a"}, {field: "rtsp://admin:hunter2@cam.example/a"}
    )
    assert changes == {field: ["rtsp://cam.example/a", "rtsp://***@cam.example/a"]}
    assert "hunter2" not in str(changes)


def test_secrets_nested_in_a_mapping_are_masked_too() -> None:
    changes = field_changes(None, {"filters": {"secret": "s3cr3t-value", "tags": ["news"]}})
    assert changes == {"filters": [None, {"secret": MASK, "tags": ["news"]}]}


def test_long_values_are_cut() -> None:
    changes = field_changes(None, {"name": "x" * 10_000, "tags": list(range(1000))})
    assert len(changes["name"][1]) == MAX_TEXT_CHARS + 1
    assert len(changes["tags"][1]) == MAX_LIST_ITEMS


def test_a_cursor_reads_back_as_it_was_written() -> None:
    cursor = AuditCursor(datetime(2026, 12, 3, 16, 0, 0, 123456, tzinfo=UTC), 42)
    assert decode_cursor(encode_cursor(cursor)) == cursor


def test_a_cursor_in_another_zone_reads_back_as_the_same_instant_in_utc() -> None:
    at = datetime(2026, 12, 3, 17, 0, tzinfo=timezone(timedelta(hours=1)))
    decoded = decode_cursor(encode_cursor(AuditCursor(at, 1)))
    assert decoded.at == at
    assert decoded.at.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not-a-cursor",
        "!!!!",
        "x" * 1000,
        encode_cursor(AuditCursor(datetime(2026, 1, 1, tzinfo=UTC), 1))[:-3],
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwxXQ",  # ["2026-01-01T00:00:00",1]: no time zone
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsMF0",  # id 0
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsIjEiXQ",  # id as text
        "WyIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsMTAwMDAwMDAwMDAwMDAwMDAwMDAwMDBd",  # id beyond 64 bits
        "eyJhIjoxfQ",  # {"a":1}
    ],
)
def test_anything_but_a_cursor_we_wrote_is_invalid_input_naming_cursor(text: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        decode_cursor(text)
    assert [e.field for e in raised.value.errors] == ["cursor"]


@given(st.text(max_size=300))
def test_no_text_makes_the_cursor_parser_raise_anything_but_invalid_input(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        decode_cursor(text)
