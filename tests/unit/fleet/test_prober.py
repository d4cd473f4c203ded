"""Which worker probes a source for an API node: fresh, not draining, least loaded by share."""

from __future__ import annotations

from streamfleet.fleet.placement import FRESH_HEARTBEAT_S, Candidate, prober


def worker(name: str, capacity: int = 10, age_s: float = 0.5, draining: bool = False) -> Candidate:
    return Candidate(name, capacity, {}, age_s, draining)


def test_the_worker_with_the_smallest_share_of_its_capacity_in_use_probes() -> None:
    workers = [worker("a", capacity=10), worker("b", capacity=40)]
    assert prober(workers, {"a": 3, "b": 8}) == "b"


def test_ties_go_to_the_lower_id() -> None:
    assert prober([worker("b"), worker("a")], {}) == "a"


def test_stale_and_draining_workers_do_not_probe() -> None:
    workers = [worker("old", age_s=FRESH_HEARTBEAT_S + 1), worker("leaving", draining=True)]
    assert prober(workers, {}) is None
    assert prober([*workers, worker("busy")], {"busy": 10}) == "busy"
