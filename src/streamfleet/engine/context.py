"""What every channel runner of one engine shares: settings, spawner, bus, clocks, reporting."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from streamfleet.config import Settings
from streamfleet.domain.status import StatusChanged
from streamfleet.engine.beat import Beat
from streamfleet.engine.ffmpeg_decoders import audio_decoders, input_names
from streamfleet.engine.host_limits import socket_receive_max
from streamfleet.engine.output_fence import OutputFence
from streamfleet.engine.process import Spawner
from streamfleet.engine.recorder import ArchiveRecorder
from streamfleet.events.bus import EventBus
from streamfleet.media.command import CopyBinary, EngineOptions
from streamfleet.media.input_args import udp_kernel_buffer_fits

log = structlog.get_logger()


def engine_options(settings: Settings) -> EngineOptions:
    """The builder's view of the settings (and of the host, for ``udp_input_buffer=auto``, and
    of the FFmpeg binary: its audio decoders)."""
    ffmpeg = settings.resolved_ffmpeg_path()
    return EngineOptions(
        ffmpeg=ffmpeg,
        segment_seconds=settings.hls_segment_seconds,
        list_size=settings.hls_list_size,
        input_timeout_s=settings.input_timeout_s,
        rtmp_pull_url=settings.rtmp_pull_url,
        udp_kernel_buffer=udp_kernel_buffer(settings.udp_input_buffer),
        probe_decoders=audio_decoders(ffmpeg),
        copy_binary=copy_binary(settings.copy_ffmpeg_path),
    )


def copy_binary(path: str) -> CopyBinary | None:
    """The FFmpeg for copy channels (``Settings.copy_ffmpeg_path``), or ``None`` when unset or
    when it does not run (logged: every channel then runs the server's FFmpeg)."""
    if not path:
        return None
    readable = input_names(path)
    if not readable:
        log.warning("engine.copy_ffmpeg_unusable", ffmpeg=path)
        return None
    log.info("engine.copy_ffmpeg", ffmpeg=path, reads=sorted(readable))
    return CopyBinary(path=path, readable=readable, probe_decoders=audio_decoders(path))


def udp_kernel_buffer(choice: str) -> bool:
    """Whether UDP inputs read the socket buffer directly (``Settings.udp_input_buffer``)."""
    if choice == "auto":
        return udp_kernel_buffer_fits(socket_receive_max())
    return choice == "kernel"


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
    beat: Beat = field(init=False)
    """The one timer of every runner's progress pipe and watchdog (``engine/beat.py``)."""

    def __post_init__(self) -> None:
        self.beat = Beat(self.clock)
