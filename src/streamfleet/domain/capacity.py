"""A box's channel capacity as arithmetic the API and the engine share."""

from __future__ import annotations

from collections.abc import Iterable


def overflow(capacity: int, enabled_before: int, enabled_added: Iterable[bool]) -> int:
    """How many of the newly added channels will wait ``queued`` because the box is full:
    ``enabled_before`` enabled channels keep their places, the added enabled ones queue
    behind them."""
    added = sum(1 for enabled in enabled_added if enabled)
    free = max(0, capacity - enabled_before)
    return max(0, added - free)
