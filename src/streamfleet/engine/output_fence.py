"""``OutputFence``: whether this process may still publish a channel's output (files' fencing).

On a fleet every worker writes into the same channel folders (the shared volume), and a
worker frozen past its lease (SIGSTOP, a long pause) wakes up with FFmpeg children that kept
writing and a publisher that still believes it owns the channel. Database writes are fenced
by the lease epoch (``cluster/fencing.py``); files are fenced here:

- a child started under epoch ``E`` names its files with it (``media/hls_args.py``), so it
  never overwrites another epoch's segments or private playlist;
- the publisher asks ``is_current(channel, E)`` before every publish (once a segment, so
  the answer must come from memory: the fleet's ``LeaseFence`` answers from its last lease
  renewal and the monotonic clock, never from a query) and writes nothing when it is not.

``serve`` has no fence: ``RunnerContext.fence`` is ``None`` and files carry no epoch.
"""

from __future__ import annotations

from typing import Protocol


class OutputFence(Protocol):
    def epoch_of(self, channel_id: int) -> int | None:
        """The epoch this process runs ``channel_id`` under (``None``: it holds no lease)."""
        ...

    def is_current(self, channel_id: int, epoch: int | None) -> bool:
        """Whether ``epoch`` is still this process's lease on the channel, by what it knows
        now (no I/O). False for ``None``."""
        ...
