"""Placement, the pure rule: which live worker gets a channel that nobody holds.

The least-loaded eligible worker, by channels held: eligible means it heartbeats
(``FRESH_HEARTBEAT_S``: a worker silent longer may be dead, and a channel given to it
would wait a lease TTL more), has capacity left, and its labels allow the channel
(``transcode=false`` takes only ``copy`` channels; a channel tagged
``worker.<label>=<value>`` goes only to workers with that label: ``pinned_labels``). Ties go
to the lower id, so the rule is deterministic. Channels that already run stay where they
are: a worker that joins gets new and orphaned channels only (a pin added to a running
channel applies at its next placement). A draining worker is never eligible; ``next_move``
picks the one channel a drain (or a worker over its capacity) moves next, and where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from streamfleet.cluster.timing import HEARTBEAT_INTERVAL_S
from streamfleet.cluster.workers import WorkerInfo

FRESH_HEARTBEAT_S: Final = 2.5 * HEARTBEAT_INTERVAL_S
"""A worker whose last heartbeat is older than this gets no new channel."""
TRANSCODE_LABEL: Final = "transcode"
PIN_TAG_PREFIX: Final = "worker."
"""A channel tag ``worker.<label>=<value>`` pins the channel to workers carrying that label
(an SRT listener's stable address: "Push channels in a fleet" in docs/operations.md)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A live worker as the placer sees it."""

    id: str
    capacity: int
    labels: Mapping[str, str]
    heartbeat_age_s: float
    draining: bool = False

    @classmethod
    def of(cls, worker: WorkerInfo) -> Candidate:
        spec = worker.spec
        return cls(spec.id, spec.capacity, spec.labels, worker.heartbeat_age_s, worker.draining)


def pinned_labels(tags: Iterable[str]) -> dict[str, str]:
    """The worker labels a channel's tags require: ``worker.site=studio-a`` → ``{"site":
    "studio-a"}``; other tags, and a pin tag without ``=`` or a label, require nothing."""
    pins: dict[str, str] = {}
    for tag in tags:
        label, equals, value = tag.removeprefix(PIN_TAG_PREFIX).partition("=")
        if tag.startswith(PIN_TAG_PREFIX) and equals and label.strip():
            pins[label.strip()] = value.strip()
    return pins


def accepts(
    candidate: Candidate, *, transcodes: bool, pins: Mapping[str, str] | None = None
) -> bool:
    """Whether the worker's labels allow a channel (``transcodes``: not the ``copy`` profile;
    ``pins``: the labels it must carry, ``pinned_labels``)."""
    if transcodes and candidate.labels.get(TRANSCODE_LABEL, "true").lower() == "false":
        return False
    return all(candidate.labels.get(label) == value for label, value in (pins or {}).items())


def place(
    channels: Iterable[tuple[int, bool]],
    candidates: Iterable[Candidate],
    load: Mapping[str, int],
    pins: Mapping[int, Mapping[str, str]] | None = None,
) -> dict[int, str]:
    """Channel id → worker id for each ``(channel id, transcodes)`` that can be placed, given
    the ``load`` (channels held) of each worker and the labels ``pins`` requires per channel
    id; channels no worker can take are left out."""
    workers = [c for c in candidates if c.heartbeat_age_s <= FRESH_HEARTBEAT_S and not c.draining]
    held = {w.id: load.get(w.id, 0) for w in workers}
    placed: dict[int, str] = {}
    for channel_id, transcodes in sorted(channels):
        eligible = [
            w
            for w in workers
            if held[w.id] < w.capacity
            and accepts(w, transcodes=transcodes, pins=(pins or {}).get(channel_id))
        ]
        if not eligible:
            continue
        chosen = min(eligible, key=lambda w: (held[w.id], w.id))
        placed[channel_id] = chosen.id
        held[chosen.id] += 1
    return placed


def next_move(
    channels: Iterable[tuple[int, bool]],
    source: str,
    candidates: Iterable[Candidate],
    load: Mapping[str, int],
    pins: Mapping[int, Mapping[str, str]] | None = None,
) -> tuple[int, str] | None:
    """The first of ``source``'s ``(channel id, transcodes)`` that another eligible worker can
    take (its ``pins`` allowing), and the least-loaded such worker; ``None`` when none can (the
    move waits)."""
    others = [c for c in candidates if c.id != source]
    for channel in sorted(channels):
        chosen = place([channel], others, load, pins)
        if chosen:
            return channel[0], chosen[channel[0]]
    return None


def prober(candidates: Iterable[Candidate], load: Mapping[str, int]) -> str | None:
    """The worker a source probe runs on: the fresh, undrained one with the smallest share of
    its capacity in use (ties to the lower id); ``None`` when there is none."""
    workers = [c for c in candidates if c.heartbeat_age_s <= FRESH_HEARTBEAT_S and not c.draining]
    if not workers:
        return None
    return min(workers, key=lambda w: (load.get(w.id, 0) / max(w.capacity, 1), w.id)).id
