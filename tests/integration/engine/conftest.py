"""An engine per test: a ``Supervisor`` on a temporary data directory, its bus recorded.

``engine_factory(**settings)`` builds and starts one (settings override the
defaults, e.g. a shorter backoff; two engines given the same ``data_dir`` share
it); every engine is shut down at teardown and the test fails if an FFmpeg it
started is still alive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.domain.status import Status, StatusChanged
from streamfleet.engine.recorder import ArchiveIndex, ArchiveRecorder
from streamfleet.engine.status_sink import MemorySink
from streamfleet.engine.supervisor import Supervisor
from streamfleet.events.bus import InProcessBus
from streamfleet.events.envelope import Envelope, EventType
from tests.support.processes import alive
from tests.support.waiting import wait_until


class EngineHarness:
    """A started supervisor plus everything it published and recorded, with timestamps."""

    def __init__(self, settings: Settings, archive: ArchiveIndex | None = None) -> None:
        self.settings = settings
        self.bus = InProcessBus()
        self.sink = MemorySink()
        self.recorder = (
            ArchiveRecorder(settings.archive_dir, archive, wall=time.time)
            if archive is not None
            else None
        )
        self._recording = (
            asyncio.create_task(self.recorder.run()) if self.recorder is not None else None
        )
        self.supervisor = Supervisor(settings, self.bus, self.sink, archive=self.recorder)
        self.envelopes: list[tuple[float, Envelope]] = []
        self._subscription = self.bus.subscribe(maxsize=100_000)
        self._collector = asyncio.create_task(self._collect())
        self.child_pids: set[int] = set()

    async def _collect(self) -> None:
        async for envelope in self._subscription:
            self.envelopes.append((time.monotonic(), envelope))

    async def start(self, channels: list[Channel]) -> None:
        await self.supervisor.start(channels)

    def status(self, channel_id: int) -> Status | None:
        state = self.supervisor.state(channel_id)
        if state is not None and state.pid is not None:
            self.child_pids.add(state.pid)
        return state.status if state is not None else None

    async def wait_status(self, channel_id: int, status: Status, timeout_s: float) -> float:
        """Wait until the channel is in ``status`` and the sink has recorded it; returns the
        monotonic time it was seen.

        The supervisor records transitions in a task of its own, after the state changed: a
        test that reads ``transitions()`` must wait for the record, not only for the state.
        """
        await wait_until(
            lambda: self.status(channel_id) is status and self.recorded(channel_id) is status,
            timeout_s,
            lambda: (
                f"channel {channel_id} to be {status.value} (is {self.status(channel_id)}, "
                f"recorded {self.recorded(channel_id)}; "
                f"log: {self.supervisor.log_tail(channel_id)[-5:]})"
            ),
        )
        return time.monotonic()

    def transitions(self, channel_id: int) -> list[StatusChanged]:
        return [c for c in self.sink.changes if c.channel_id == channel_id]

    def recorded(self, channel_id: int) -> Status | None:
        """The status of the last transition the sink has recorded (``None`` before any)."""
        changes = self.transitions(channel_id)
        return changes[-1].to_status if changes else None

    def status_envelopes(self, slug: str) -> list[tuple[float, Envelope]]:
        return [
            (t, e) for t, e in self.envelopes if e.type is EventType.STATUS and e.channel == slug
        ]

    def first_status_after(self, slug: str, status: Status, after: float) -> float | None:
        for t, e in self.status_envelopes(slug):
            if t >= after and e.data["status"] == status.value:
                return t
        return None

    async def close(self) -> None:
        for cid in self.supervisor.states():
            self.status(cid)
        await self.supervisor.shutdown()
        if self.recorder is not None:
            await self.recorder.close(self._recording)
            self.recorder = None
        self._subscription.close()
        await self._collector


def engine_settings(data_dir: Path, **overrides: Any) -> Settings:
    overrides.setdefault("demo", False)
    return Settings(data_dir=data_dir, worker_name="test-worker", **overrides)


@pytest.fixture
async def engine_factory(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[EngineHarness]]]:
    harnesses: list[EngineHarness] = []

    async def factory(
        channels: list[Channel], archive: ArchiveIndex | None = None, **overrides: Any
    ) -> EngineHarness:
        data_dir = overrides.pop("data_dir", tmp_path / f"data{len(harnesses)}")
        harness = EngineHarness(engine_settings(data_dir, **overrides), archive)
        harnesses.append(harness)
        await harness.start(channels)
        return harness

    try:
        yield factory
    finally:
        for harness in harnesses:
            await harness.close()
        leftovers = [pid for h in harnesses for pid in h.child_pids if alive(pid)]
        assert leftovers == [], f"FFmpeg children left running: {leftovers}"


def udp_channel(channel_id: int, url: str, **fields: Any) -> Channel:
    return Channel(
        id=channel_id, slug=f"ch{channel_id}", name=f"Channel {channel_id}", input_url=url, **fields
    )
