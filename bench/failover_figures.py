"""The failover benchmark's pure parts: the spread of channels over workers, which worker a
round kills, and the figures of the rounds (``python -m bench.failover``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bench.percentiles import percentile


def channels_per_worker(holders: Mapping[int, str], workers: Sequence[str]) -> dict[str, int]:
    """How many channels each of ``workers`` holds (0 for one holding none), in that order."""
    counts = Counter(holders.values())
    return {worker: counts.get(worker, 0) for worker in workers}


def spread_text(counts: Mapping[str, int]) -> str:
    """``8/8/8``: the channels per worker, in the mapping's order."""
    return "/".join(str(n) for n in counts.values())


def next_victim(counts: Mapping[str, int], last_killed: Mapping[str, int]) -> str:
    """The worker a round kills: the one holding the most channels, and of those the one
    killed longest ago (never killed first; ``last_killed``: worker → round), then by name."""
    return min(counts, key=lambda w: (-counts[w], last_killed.get(w, -1), w))


@dataclass(frozen=True, slots=True)
class Round:
    number: int
    victim: str
    moved: int
    """Channels the victim held when it was killed."""
    failover_s: float
    """From the kill until every one of them was online on another worker."""
    spread_after: dict[str, int]


def failover_summary(rounds: Sequence[Round]) -> tuple[float | None, float | None]:
    """p50 and max of the rounds' failover times."""
    times = [r.failover_s for r in rounds]
    return percentile(times, 50), max(times, default=None)
