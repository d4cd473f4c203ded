"""Restart delays: at once first, then capped exponential with full jitter."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.engine.backoff import Backoff


def test_the_first_retry_is_immediate_then_the_ceiling_doubles_to_the_cap() -> None:
    backoff = Backoff(0.5, 30.0, rand=lambda: 1.0)
    delays = [backoff.next_delay() for _ in range(10)]
    assert delays == [0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_full_jitter_draws_between_zero_and_the_ceiling() -> None:
    draws = iter([0.0, 0.25, 0.5])
    backoff = Backoff(0.5, 30.0, rand=lambda: next(draws))
    backoff.failures = 5  # ceilings of the next three attempts: 8 s, 16 s, 30 s (capped)
    assert [backoff.next_delay() for _ in range(3)] == [0.0 * 8.0, 0.25 * 16.0, 0.5 * 30.0]


def test_reset_makes_the_next_retry_immediate_again() -> None:
    backoff = Backoff(0.5, 30.0, rand=lambda: 1.0)
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.0


@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0.0, max_value=1.0))
def test_no_delay_ever_exceeds_the_cap(failures: int, draw: float) -> None:
    backoff = Backoff(0.5, 30.0, rand=lambda: draw)
    backoff.failures = failures
    assert 0.0 <= backoff.next_delay() <= 30.0


def test_nonsense_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="initial_s"):
        Backoff(0.0, 30.0, rand=lambda: 1.0)
    with pytest.raises(ValueError, match="initial_s"):
        Backoff(5.0, 1.0, rand=lambda: 1.0)
