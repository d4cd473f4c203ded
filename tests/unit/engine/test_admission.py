"""The engine's queue policy: at most ``capacity`` channels hold a slot, the rest wait in order;
starts are paced by a token bucket."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.capacity import overflow
from streamfleet.engine.admission import Admission, StartPace, Verdict


def gate(capacity: int = 2, rate_per_s: float = 1.0, burst: int = 100) -> Admission:
    return Admission(capacity, StartPace(rate_per_s, burst, now=0.0))


def test_channels_within_capacity_start_at_once_and_the_next_ones_wait_for_a_slot() -> None:
    g = gate(capacity=2)
    assert [g.request(cid, 0.0) for cid in (1, 2, 3, 4)] == [
        Verdict.START,
        Verdict.START,
        Verdict.WAIT_SLOT,
        Verdict.WAIT_SLOT,
    ]
    assert g.running == 2
    assert g.waiting == (3, 4)
    assert g.next_admission_in(0.0) is None, "time alone frees no slot"


def test_a_released_slot_goes_to_the_oldest_waiting_channel() -> None:
    g = gate(capacity=2)
    for cid in (1, 2, 3, 4):
        g.request(cid, 0.0)
    g.release(2)
    assert g.next_admission_in(0.0) == 0.0
    assert g.admit(0.0) == [3]
    assert g.waiting == (4,)
    assert g.holds(3)
    assert not g.holds(2)


def test_a_withdrawn_channel_leaves_the_queue_and_never_starts() -> None:
    g = gate(capacity=1)
    for cid in (1, 2, 3):
        g.request(cid, 0.0)
    assert g.withdraw(2)
    assert not g.withdraw(2)
    g.release(1)
    assert g.admit(0.0) == [3]


def test_a_restart_asks_first_and_keeps_its_slot_ahead_of_the_queue() -> None:
    g = gate(capacity=1)
    g.request(1, 0.0)
    g.request(2, 0.0)
    g.release(1)  # the restart stops the child...
    assert g.request(1, 0.0, first=True) is Verdict.START  # ...and takes its slot back at once
    assert g.waiting == (2,)


def test_a_new_request_does_not_jump_the_queue_even_when_a_slot_is_free() -> None:
    g = gate(capacity=1)
    g.request(1, 0.0)
    g.request(2, 0.0)
    g.release(1)
    assert g.request(3, 0.0) is Verdict.WAIT_PACE
    assert g.admit(0.0) == [2]
    assert g.waiting == (3,)


def test_asking_again_while_waiting_keeps_the_place_and_while_holding_is_a_start() -> None:
    g = gate(capacity=1)
    g.request(1, 0.0)
    g.request(2, 0.0)
    g.request(3, 0.0)
    assert g.request(2, 0.0) is Verdict.WAIT_SLOT
    assert g.waiting == (2, 3)
    assert g.request(1, 0.0) is Verdict.START
    assert g.running == 1


def test_starts_beyond_the_burst_are_paced_at_the_rate() -> None:
    g = gate(capacity=100, rate_per_s=4.0, burst=2)
    verdicts = [g.request(cid, 0.0) for cid in range(5)]
    assert verdicts == [Verdict.START, Verdict.START] + [Verdict.WAIT_PACE] * 3
    assert g.next_admission_in(0.0) == pytest.approx(0.25)
    assert g.admit(0.1) == []
    assert g.admit(0.25) == [2]
    assert g.admit(0.75) == [3, 4]
    assert g.next_admission_in(0.75) is None


def test_sixty_channels_at_the_default_pace_all_start_within_ten_seconds() -> None:
    g = Admission(60, StartPace(8.0, 8, now=0.0))
    started = [cid for cid in range(60) if g.request(cid, 0.0) is Verdict.START]
    now = 0.0
    while g.waiting:
        wait = g.next_admission_in(now)
        assert wait is not None
        now += wait
        started += g.admit(now)
    assert sorted(started) == list(range(60))
    assert now <= 7.0


def test_the_bucket_refills_only_up_to_the_burst() -> None:
    pace = StartPace(10.0, 3, now=0.0)
    assert [pace.take(100.0) for _ in range(4)] == [True, True, True, False]


def test_shutdown_empties_the_queue_in_order() -> None:
    g = gate(capacity=1)
    for cid in (1, 2, 3):
        g.request(cid, 0.0)
    assert g.withdraw_all() == [2, 3]
    assert g.waiting == ()


@pytest.mark.parametrize(
    ("capacity", "before", "added", "queued"),
    [
        (60, 0, [True] * 1000, 940),
        (60, 50, [True] * 5, 0),
        (60, 58, [True] * 5, 3),
        (60, 70, [True, False, True], 2),
        (60, 0, [False] * 1000, 0),
    ],
)
def test_an_import_queues_what_exceeds_the_free_slots(
    capacity: int, before: int, added: list[bool], queued: int
) -> None:
    assert overflow(capacity, before, added) == queued


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Admission(0, StartPace(1.0, 1, now=0.0)), "capacity must be at least 1"),
        (lambda: StartPace(0.0, 1, now=0.0), "rate_per_s must be positive"),
        (lambda: StartPace(1.0, 0, now=0.0), "burst must be at least 1"),
    ],
)
def test_bounds_are_checked(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


operations = st.lists(
    st.tuples(
        st.sampled_from(["request", "first", "release", "withdraw", "admit"]),
        st.integers(0, 12),
        st.floats(0.0, 0.5),
    ),
    max_size=200,
)


@given(
    capacity=st.integers(1, 6),
    rate=st.floats(0.5, 20.0),
    burst=st.integers(1, 5),
    ops=operations,
)
def test_never_more_than_capacity_hold_a_slot_and_starts_never_outrun_the_bucket(
    capacity: int, rate: float, burst: int, ops: list[tuple[str, int, float]]
) -> None:
    g = Admission(capacity, StartPace(rate, burst, now=0.0))
    now = 0.0
    starts = 0
    for op, cid, step in ops:
        now += step
        if op in ("request", "first"):
            was_holding = g.holds(cid)
            if g.request(cid, now, first=op == "first") is Verdict.START and not was_holding:
                starts += 1
        elif op == "release":
            g.release(cid)
        elif op == "withdraw":
            g.withdraw(cid)
        else:
            starts += len(g.admit(now))
        assert g.running <= capacity
        assert not any(g.holds(c) for c in g.waiting), "a channel both waits and holds a slot"
        assert starts <= burst + rate * now + 1e-6
