"""Where the engine reports status transitions for keeping (the database's event repository).

The engine never imports ``db/``: anything with ``async def record_all(changes)``
(the changes in order, kept together) satisfies ``StatusSink`` (the foundation's
``EventRepository`` does, in one transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from streamfleet.domain.status import StatusChanged


class StatusSink(Protocol):
    async def record_all(self, changes: Sequence[StatusChanged]) -> None: ...


class MemorySink:
    """Keeps the transitions in a list (for tests and for a server without a database)."""

    def __init__(self) -> None:
        self.changes: list[StatusChanged] = []

    async def record(self, change: StatusChanged) -> None:
        self.changes.append(change)

    async def record_all(self, changes: Sequence[StatusChanged]) -> None:
        self.changes.extend(changes)
