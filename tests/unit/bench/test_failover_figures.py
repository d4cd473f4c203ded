"""The failover benchmark's figures: spread, the next worker to kill, p50 and max."""

from bench.failover_figures import (
    Round,
    channels_per_worker,
    failover_summary,
    next_victim,
    spread_text,
)

WORKERS = ("w1", "w2", "w3")


def test_the_spread_counts_each_workers_channels_and_names_an_empty_one() -> None:
    counts = channels_per_worker({1: "w2", 2: "w3", 3: "w2", 4: "gone"}, WORKERS)
    assert counts == {"w1": 0, "w2": 2, "w3": 1}
    assert spread_text(counts) == "0/2/1"


def test_a_round_kills_the_most_loaded_worker_and_of_equals_the_one_killed_longest_ago() -> None:
    assert next_victim({"w1": 8, "w2": 8, "w3": 8}, {}) == "w1"
    assert next_victim({"w1": 0, "w2": 12, "w3": 12}, {"w1": 1}) == "w2"
    assert next_victim({"w1": 12, "w2": 12, "w3": 0}, {"w1": 1, "w2": 2, "w3": 3}) == "w1"
    assert next_victim({"w1": 12, "w2": 12, "w3": 0}, {"w1": 4, "w2": 2, "w3": 3}) == "w2"


def test_the_summary_is_the_median_and_the_worst_round() -> None:
    rounds = [Round(n, "w1", 8, s, {}) for n, s in enumerate([11.0, 13.0, 12.0, 10.0], 1)]
    assert failover_summary(rounds) == (11.5, 13.0)
    assert failover_summary([]) == (None, None)
