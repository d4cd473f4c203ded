"""Identical reads that arrive together share one answer.

Fifty dashboards (or scripts) asking for the channel list at the same moment
would each run the same two queries and build the same sixty views, one after
the other on the event loop: the fiftieth waits for forty-nine copies of work
it could share. ``SharedReads.run(key, compute)`` starts ``compute`` for the
first caller of a key and lets every caller that arrives while it runs await
the same result. Nothing is kept once it is done: this is not a cache, and no
answer is older than the request that waits for it, except by the time the
computation in flight still takes.

The key must name everything the answer depends on, including a counter of
the writes it could miss (``ChannelRepository.writes``), so that a read that
follows a write in this process never joins a computation that began before it.
The computation runs as a task of its own: a caller that goes away (a client
that disconnects) does not cancel it for the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class SharedReads(Generic[T]):
    __slots__ = ("_running", "computed", "joined")

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[T]] = {}
        self.computed = 0
        """Computations started (one per group of callers)."""
        self.joined = 0
        """Callers that awaited a computation another caller started."""

    async def run(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(compute())
            self._running[key] = task
            self.computed += 1
            task.add_done_callback(lambda done: self._finished(key, done))
        else:
            self.joined += 1
        return await asyncio.shield(task)

    def _finished(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every caller went away
