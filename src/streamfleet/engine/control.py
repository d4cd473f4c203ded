"""What the API and CLI may ask of the stream engine, and what it tells them.

``EngineControl`` is the only thing ``api/`` knows of the engine (a test in
``tests/unit/api/test_engine_boundary.py`` holds that): on a fleet the engine
runs in another process, so every call that would cross it is ``async``, and
what passes is plain data (domain ``Channel``, ``ChannelState``, dicts,
``ProbeReport``). ``engine/builder.py`` builds the implementation a process runs.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from streamfleet.domain.channel import Channel
from streamfleet.domain.commands import Command
from streamfleet.domain.errors import StreamfleetError
from streamfleet.domain.status import Status
from streamfleet.media.probe_report import ProbeReport


class NotOnThisNode(StreamfleetError):
    """The engine of this process cannot answer that here: an API node of a fleet, whose
    channels run on workers (503)."""


class CommandPending(StreamfleetError):
    """The call was handed to a worker as a command that has not finished yet (an API node
    of a fleet, whose worker did not answer within the wait): 202 with the command, to be
    followed at ``/api/v1/commands/{id}``."""

    def __init__(self, command: Command) -> None:
        super().__init__(f"command {command.id} ({command.action}) is {command.state}")
        self.command = command


@dataclass(frozen=True, slots=True)
class ChannelState:
    """What the engine observes about one channel right now."""

    status: Status
    since: datetime
    reason: str = ""
    pid: int | None = None
    restarts: int = 0
    source: str = "primary"
    """``primary`` or ``backup``: which input the channel is playing from."""
    metrics: dict[str, Any] = field(default_factory=dict)
    """fps, frames, drop_frames, dup_frames, speed, out_time_s, bitrate_kbps, last_segment_age_s."""


@dataclass(frozen=True, slots=True)
class EngineStats:
    """The engine's own counters, for ``/metrics``."""

    thumbnail_cpu_s: float = 0.0
    """CPU seconds spent making thumbnails, media info and content checks."""
    runs_here: bool = True
    """False for an API node's control (``fleet/api_control.py``): no engine in this process
    (``streamfleet_engine_up`` 0, no thumbnail CPU)."""


class EngineControl(Protocol):
    # Channels ----------------------------------------------------------------------------

    async def start_channel(self, channel: Channel) -> None:
        """Run ``channel`` (no-op when it already runs with the same configuration)."""

    async def stop_channel(self, channel_id: int) -> None:
        """Stop the channel's FFmpeg and mark it stopped."""

    async def restart_channel(self, channel: Channel) -> None:
        """Stop then start, with the configuration given."""

    async def apply(self, channel: Channel) -> None:
        """The channel was created or changed: restart it if it runs and is enabled, else stop.

        Everything the engine knows of a channel's settings comes through here (and the
        start calls), as a domain ``Channel``."""

    async def forget(self, channel_id: int) -> None:
        """The channel was deleted: stop it and drop its state, thumbnail and media info."""

    # What the engine observes --------------------------------------------------------------

    async def states(self, channel_ids: Collection[int]) -> dict[int, ChannelState]:
        """The observed state of those channels the engine knows, by channel id."""

    async def media_info(self, slugs: Collection[str]) -> dict[str, dict[str, Any]]:
        """What the channels' segments carry (codecs, resolution, …), for those read so far."""

    async def log_tail(self, channel_id: int) -> list[str]:
        """The last stderr lines of the channel's FFmpeg (at most 200), oldest first."""

    async def stats(self) -> EngineStats:
        """The engine's own counters."""

    # Sources and the wall ------------------------------------------------------------------

    async def probe_source(self, url: str) -> ProbeReport:
        """What ``url`` (already allowed by the URL policy) carries, or why it cannot be read."""

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        """The dashboard connection ``client_id`` has these channels' tiles on screen (an
        empty set: none). Only channels someone shows get thumbnails."""

    async def viewer_left(self, client_id: str) -> None:
        """The dashboard connection ``client_id`` closed: its tiles no longer count as shown."""

    # The archive ------------------------------------------------------------------------------

    async def exports_queued(self) -> None:
        """An MP4 export was queued: the export runner of this process (if any) looks now."""


class ManagedEngine(EngineControl, Protocol):
    """An engine the app starts after migrations and stops on shutdown."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
