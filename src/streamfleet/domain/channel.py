"""The channel: what the operator configured (desired state), never what is observed."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final


class IngestMode(enum.StrEnum):
    PULL = "pull"
    """The engine opens ``input_url`` and pulls the stream."""
    LISTEN_SRT = "listen_srt"
    """The engine listens on the channel's own SRT port; a publisher pushes to it."""
    PUSH_RTMP = "push_rtmp"
    """A publisher pushes to nginx-rtmp with the channel's stream key; the engine pulls it
    from there (``domain.rtmp_push``)."""

    @property
    def waits_for_publisher(self) -> bool:
        """No source to open: the channel waits (without a time limit) for a publisher."""
        return self is not IngestMode.PULL


@dataclass(frozen=True, slots=True)
class HlsOverrides:
    """Per-channel HLS settings; ``None`` means "use the server's setting"."""

    segment_seconds: float | None = None
    list_size: int | None = None


DEFAULT_THUMBNAIL_INTERVAL_S: Final = 10
DEFAULT_OFFLINE_GRACE_S: Final = 10
DEFAULT_RETENTION_DAYS: Final = 7


@dataclass(frozen=True, slots=True)
class Channel:
    """A configured channel. ``input_url`` has passed the URL policy before it gets here."""

    id: int
    slug: str
    name: str
    input_url: str
    backup_url: str | None = None
    tags: tuple[str, ...] = ()
    enabled: bool = True
    ingest_mode: IngestMode = IngestMode.PULL
    listen_port: int | None = None
    passphrase: str | None = None
    stream_key_sha256: str | None = None
    """``push_rtmp`` only: the hash of the stream key (``None``: no key yet, rotate one)."""
    profile: str = "copy"
    hls: HlsOverrides = field(default_factory=HlsOverrides)
    recording: bool = False
    retention_days: int = DEFAULT_RETENTION_DAYS
    retention_bytes: int | None = None
    """The most the channel's archive may hold; ``None``: no quota (days and free space apply)."""
    thumbnail_interval_s: int = DEFAULT_THUMBNAIL_INTERVAL_S
    offline_grace_s: int = DEFAULT_OFFLINE_GRACE_S
    content_checks: tuple[str, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None
