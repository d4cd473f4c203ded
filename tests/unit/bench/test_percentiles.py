"""The percentiles the benchmark reports (linear between closest ranks)."""

import math

import pytest
from bench.percentiles import percentile, summary
from hypothesis import given
from hypothesis import strategies as st


def test_the_median_of_an_even_count_lies_between_the_middle_two() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5


def test_p0_and_p100_are_the_extremes_and_nothing_gives_none() -> None:
    assert percentile([3.0, 1.0, 2.0], 0) == 1.0
    assert percentile([3.0, 1.0, 2.0], 100) == 3.0
    assert percentile([], 95) is None


def test_an_infinitely_late_sample_at_the_rank_makes_the_percentile_infinite() -> None:
    assert percentile([1.0, 2.0, math.inf, math.inf], 95) == math.inf
    assert percentile([1.0, 2.0, 3.0, math.inf], 50) == 2.5


def test_a_percentile_outside_0_to_100_is_refused() -> None:
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1.0], 101)


@given(
    st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=50),
    st.floats(min_value=0, max_value=100),
    st.floats(min_value=0, max_value=100),
)
def test_percentiles_stay_within_the_samples_and_grow_with_q(
    values: list[float], q1: float, q2: float
) -> None:
    low, high = sorted((q1, q2))
    p_low, p_high = percentile(values, low), percentile(values, high)
    assert p_low is not None
    assert p_high is not None
    assert min(values) <= p_low <= p_high + 1e-9
    assert p_high <= max(values) + 1e-9


def test_a_summary_gives_count_p50_p95_p99_and_max() -> None:
    assert summary([1.0, 2.0, 3.0]) == {
        "count": 3.0,
        "p50": 2.0,
        "p95": pytest.approx(2.9),
        "p99": pytest.approx(2.98),
        "max": 3.0,
    }
