"""``--expires`` of ``streamfleet token create``: a lifetime or an instant, bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.token_expiry import MAX_LIFETIME, parse_expiry

NOW = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90m", NOW + timedelta(minutes=90)),
        ("12h", NOW + timedelta(hours=12)),
        ("30d", NOW + timedelta(days=30)),
        (" 2w ", NOW + timedelta(weeks=2)),
        ("3650d", NOW + timedelta(days=3650)),
        ("2027-01-31", datetime(2027, 1, 31, tzinfo=UTC)),
        ("2027-01-31T18:00", datetime(2027, 1, 31, 18, 0, tzinfo=UTC)),
        (
            "2027-01-31T18:00+01:00",
            datetime(2027, 1, 31, 18, 0, tzinfo=timezone(timedelta(hours=1))),
        ),
    ],
)
def test_a_lifetime_counts_from_now_and_an_instant_without_offset_is_utc(
    text: str, expected: datetime
) -> None:
    assert parse_expiry(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "use a lifetime such as 90m"),
        ("30", "use a lifetime such as 90m"),
        ("30 days", "use a lifetime such as 90m"),
        ("-5d", "use a lifetime such as 90m"),
        ("tomorrow", "use a lifetime such as 90m"),
        ("0m", "must be at least a minute in the future"),
        ("2026-12-03", "must be at least a minute in the future"),
        ("3651d", "at most 3650 days"),
        ("9999999w", "at most 3650 days"),
        ("9999-12-31", "at most 3650 days"),
        ("9" * 5000 + "d", "use a lifetime such as 90m"),
    ],
)
def test_bad_expiries_name_the_option_and_say_what_is_wanted(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_expiry(text, NOW)
    [error] = caught.value.errors
    assert error.field == "expires"
    assert error.message.startswith(message)


@given(st.text(max_size=80))
def test_any_text_gives_an_instant_in_bounds_or_invalid_input(text: str) -> None:
    try:
        at = parse_expiry(text, NOW)
    except InvalidInput:
        return
    assert timedelta(minutes=1) <= at - NOW <= MAX_LIFETIME
