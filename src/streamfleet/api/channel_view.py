"""How a stored channel is shown: configuration, publish URL, live state, file URLs.

The state comes from the engine when one runs in this process (``observe()``
asks it once for a whole page), else from the status columns the engines keep
in the database. Every view hides the credentials in URLs and the SRT passphrase
(``redact``), whoever asks: operators and admins read them through the explicit
``GET /channels/{id}/source`` (``channel_source``). ``playback`` signs the file URLs
when signing is on.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from streamfleet.api.playback import UNSIGNED, Playback
from streamfleet.api.schemas.channels import (
    ChannelOut,
    ChannelSourceOut,
    ChannelStateOut,
    ChannelUrls,
    HlsSettings,
)
from streamfleet.config import Settings
from streamfleet.db.repositories.channels import ChannelRecord
from streamfleet.domain import rtmp_push
from streamfleet.domain.channel import Channel, IngestMode
from streamfleet.domain.srt import publish_url
from streamfleet.domain.url_policy import redact
from streamfleet.engine.control import ChannelState, EngineControl
from streamfleet.logs import redact_text

_ANY_ADDRESS = ("0.0.0.0", "::", "")


def publish_host(settings: Settings) -> str:
    """The host publishers use: ``public_host``, else ``host`` (this machine's name for 0.0.0.0)."""
    if settings.public_host:
        return settings.public_host
    if settings.host in _ANY_ADDRESS:
        return socket.gethostname()
    return settings.host


@dataclass(frozen=True, slots=True)
class PublishPoint:
    """Where publishers reach this fleet: the host, and nginx-rtmp's port and application."""

    host: str
    rtmp_port: int = 1935
    rtmp_app: str = "live"

    @classmethod
    def of(cls, settings: Settings) -> PublishPoint:
        return cls(publish_host(settings), settings.rtmp_public_port, settings.rtmp_app)

    def rtmp_url(self, key: str | None) -> str:
        """The RTMP publish URL with ``key``, or masked (``…/***``) for ``None``."""
        return rtmp_push.publish_url(self.host, self.rtmp_port, self.rtmp_app, key)


@dataclass(frozen=True, slots=True)
class Observed:
    """What the engine said about a set of channels: states by id, media info by slug."""

    states: dict[int, ChannelState] = field(default_factory=dict)
    media_info: dict[str, dict[str, Any]] = field(default_factory=dict)


NOTHING_OBSERVED = Observed()


async def observe(engine: EngineControl | None, records: Sequence[ChannelRecord]) -> Observed:
    """One question to the engine for all of ``records`` (none when no engine runs here)."""
    if engine is None or not records:
        return NOTHING_OBSERVED
    states = await engine.states([r.channel.id for r in records])
    media_info = await engine.media_info([r.channel.slug for r in records])
    return Observed(states, media_info)


def channel_view(
    record: ChannelRecord,
    *,
    observed: Observed,
    point: PublishPoint,
    playback: Playback = UNSIGNED,
    stream_key: str | None = None,
) -> ChannelOut:
    """``stream_key``: the key just made for this channel, shown in this answer only."""
    channel = record.channel
    full = channel_source(channel, point)
    publish = redact(full.publish_url) if full.publish_url else None
    if stream_key is not None and channel.ingest_mode is IngestMode.PUSH_RTMP:
        publish = point.rtmp_url(stream_key)
    else:
        stream_key = None
    return ChannelOut(
        id=channel.id,
        slug=channel.slug,
        name=channel.name,
        tags=list(channel.tags),
        enabled=channel.enabled,
        input_url=redact(full.input_url),
        backup_url=redact(full.backup_url) if full.backup_url else None,
        ingest_mode=channel.ingest_mode.value,
        listen_port=channel.listen_port,
        passphrase=None,
        publish_url=publish,
        stream_key=stream_key,
        profile=channel.profile,
        hls=HlsSettings(
            segment_seconds=channel.hls.segment_seconds, list_size=channel.hls.list_size
        ),
        recording=channel.recording,
        retention_days=channel.retention_days,
        retention_bytes=channel.retention_bytes,
        thumbnail_interval_s=channel.thumbnail_interval_s,
        offline_grace_s=channel.offline_grace_s,
        content_checks=list(channel.content_checks),
        created_at=channel.created_at,
        updated_at=channel.updated_at,
        state=_state(record, observed.states.get(channel.id)),
        media_info=observed.media_info.get(channel.slug),
        urls=channel_urls(channel, playback),
    )


def channel_source(channel: Channel, point: PublishPoint) -> ChannelSourceOut:
    """The channel's secrets in full: source URLs, SRT passphrase and publish URL (an RTMP
    stream key is not among them: only its hash is kept, so its publish URL stays masked)."""
    publish = None
    if channel.ingest_mode is IngestMode.LISTEN_SRT and channel.listen_port is not None:
        publish = publish_url(point.host, channel.listen_port, channel.passphrase or "")
    elif channel.ingest_mode is IngestMode.PUSH_RTMP:
        publish = point.rtmp_url(None)
    return ChannelSourceOut(
        input_url=channel.input_url,
        backup_url=channel.backup_url,
        passphrase=channel.passphrase,
        publish_url=publish,
    )


def channel_urls(channel: Channel, playback: Playback = UNSIGNED) -> ChannelUrls:
    return ChannelUrls(
        hls=playback.hls_url(channel.slug), thumbnail=playback.thumbnail_url(channel.slug)
    )


def _state(record: ChannelRecord, observed: ChannelState | None) -> ChannelStateOut:
    if observed is None:
        return ChannelStateOut(
            status=record.status.value,
            since=record.status_since or record.channel.created_at,
            reason=redact_text(record.status_reason),
        )
    return ChannelStateOut(
        status=observed.status.value,
        since=observed.since,
        reason=redact_text(observed.reason),
        pid=observed.pid,
        restarts=observed.restarts,
        source=observed.source,
        metrics=dict(observed.metrics),
    )
