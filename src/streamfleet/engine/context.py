"""What every channel runner of one engine shares: settings, spawner, bus, clocks, reporting."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from streamfleet.config import Settings
from streamfleet.domain.status import StatusChanged
from streamfleet.engine.output_fence import OutputFence
from streamfleet.engine.process import Spawner
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.events.bus import EventBus
from streamfleet.media.command import EngineOptions


def engine_options(settings: Settings) -> EngineOptions:
    """The builder's view of the settings."""
    return EngineOptions(
        ffmpeg=settings.resolved_ffmpeg_path(),
        segment_seconds=settings.hls_segment_seconds,
        list_size=settings.hls_list_size,
        input_timeout_s=settings.input_timeout_s,
        rtmp_pull_url=settings.rtmp_pull_url,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunnerContext:
    settings: Settings
    options: EngineOptions
    spawner: Spawner
    bus: EventBus
    report: Callable[[StatusChanged], None]
    """Hands a transition to the supervisor's recorder (never blocks)."""
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    now_utc: Callable[[], datetime] = utc_now
    rand: Callable[[], float] = field(default=random.random)
    archive: ArchiveRecorder | None = None
    """Archives recording channels' segments; ``None``: this engine records nothing."""
    fence: OutputFence | None = None
    """A fleet worker's lease epochs, which its files carry and its publishing checks;
    ``None`` in ``serve``."""
