"""What the API and CLI may ask of the stream engine, and what it tells them.

``api/`` depends on this protocol, never on the runner's internals, so that a
scale-out API node can later answer the same calls from the database/Redis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from streamfleet.domain.channel import Channel
from streamfleet.domain.status import Status


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


class EngineControl(Protocol):
    async def start_channel(self, channel: Channel) -> None:
        """Run ``channel`` (no-op when it already runs with the same configuration)."""

    async def stop_channel(self, channel_id: int) -> None:
        """Stop the channel's FFmpeg and mark it stopped."""

    async def restart_channel(self, channel: Channel) -> None:
        """Stop then start, with the configuration given."""

    async def apply(self, channel: Channel) -> None:
        """The channel's configuration changed: restart it if it runs and is enabled, else stop."""

    async def forget(self, channel_id: int) -> None:
        """The channel was deleted: stop it and drop its state."""

    def state(self, channel_id: int) -> ChannelState | None:
        """The observed state, or ``None`` for a channel the engine does not know."""

    def log_tail(self, channel_id: int) -> list[str]:
        """The last stderr lines of the channel's FFmpeg (at most 200), oldest first."""

    def media_info(self, slug: str) -> dict[str, Any] | None:
        """What the channel's segments carry (codecs, resolution, …), ``None`` until read."""

    async def set_visible_tiles(self, client_id: str, slugs: frozenset[str]) -> None:
        """The dashboard connection ``client_id`` has these channels' tiles on screen (an
        empty set: none, or it has gone). Only channels someone shows get thumbnails."""
