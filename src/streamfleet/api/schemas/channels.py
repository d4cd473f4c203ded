"""Channel bodies: ``ChannelCreate``/``ChannelUpdate`` in, ``ChannelOut`` and pages out.

The request models only fix the JSON shape and types (for OpenAPI and the
generated dashboard client); the value rules are ``domain.channel_rules``,
shared with the CLI and the import parsers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from streamfleet.domain.channel_rules import (
    HLS_LIST_SIZE_RANGE,
    HLS_SEGMENT_SECONDS_RANGE,
    MAX_NAME_LENGTH,
    MAX_TAGS,
)

IngestModeName = Literal["pull", "listen_srt", "push_rtmp"]
StatusName = Literal["stopped", "queued", "starting", "online", "degraded", "offline", "error"]
ContentCheckName = Literal["black", "freeze", "silence"]


class HlsSettings(BaseModel):
    """Per-channel HLS overrides; ``null`` uses the server's setting."""

    model_config = ConfigDict(extra="forbid")

    segment_seconds: float | None = Field(
        default=None,
        description=f"{HLS_SEGMENT_SECONDS_RANGE[0]}..{HLS_SEGMENT_SECONDS_RANGE[1]}",
    )
    list_size: int | None = Field(
        default=None, description=f"{HLS_LIST_SIZE_RANGE[0]}..{HLS_LIST_SIZE_RANGE[1]}"
    )


class ChannelFields(BaseModel):
    """Every configuration field; all optional here (PATCH sends any subset)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, description=f"1..{MAX_NAME_LENGTH} characters")
    slug: str | None = Field(default=None, description="URL-safe; derived from the name if absent")
    input_url: str | None = Field(
        default=None,
        description="rtmp, rtmps, rtsp, rtsps, srt, udp, rtp, rist, http or https URL "
        "(set by the server for listen_srt and push_rtmp channels)",
    )
    backup_url: str | None = None
    tags: list[str] | None = Field(default=None, description=f"at most {MAX_TAGS}")
    enabled: bool | None = None
    ingest_mode: IngestModeName | None = None
    listen_port: int | None = Field(
        default=None, description="listen_srt only; assigned from the SRT port range if absent"
    )
    passphrase: str | None = Field(
        default=None, description="listen_srt only; 10..79 characters; generated if absent"
    )
    profile: str | None = Field(default=None, description="see GET /api/v1/profiles")
    hls: HlsSettings | None = None
    recording: bool | None = None
    retention_days: int | None = None
    retention_bytes: int | None = Field(
        default=None, description="archive quota in bytes (1e8..1e15); null: none"
    )
    thumbnail_interval_s: int | None = None
    offline_grace_s: int | None = None
    content_checks: list[ContentCheckName] | None = None

    def raw(self) -> dict[str, Any]:
        """Only the fields the client sent, as plain values for ``domain.channel_rules``."""
        return self.model_dump(exclude_unset=True)


class ChannelCreate(ChannelFields):
    name: str = Field(description=f"1..{MAX_NAME_LENGTH} characters")


class ChannelUpdate(ChannelFields):
    pass


class ChannelStateOut(BaseModel):
    status: StatusName
    since: datetime | None
    reason: str = ""
    pid: int | None = None
    restarts: int = 0
    source: Literal["primary", "backup"] | str = "primary"
    metrics: dict[str, Any] = Field(default_factory=dict)


class ChannelUrls(BaseModel):
    hls: str
    thumbnail: str


class ChannelOut(BaseModel):
    id: int
    slug: str
    name: str
    tags: list[str]
    enabled: bool
    input_url: str
    backup_url: str | None
    ingest_mode: IngestModeName
    listen_port: int | None
    passphrase: str | None
    publish_url: str | None
    stream_key: str | None = Field(
        default=None,
        description="push_rtmp only, and only in the answer that made it (create, the switch "
        "to push_rtmp, POST …/stream_key): the key in full, never shown again; publish_url "
        "then holds it too. Every other answer: null, and publish_url ends in ***",
    )
    profile: str
    hls: HlsSettings
    recording: bool
    retention_days: int
    retention_bytes: int | None
    thumbnail_interval_s: int
    offline_grace_s: int
    content_checks: list[ContentCheckName]
    created_at: datetime | None
    updated_at: datetime | None
    state: ChannelStateOut
    media_info: dict[str, Any] | None = None
    urls: ChannelUrls


class ChannelSourceOut(BaseModel):
    """A channel's secrets in full (``GET /channels/{id}/source``, operators and admins):
    every other answer shows these fields masked (``rtsp://***@host/…``, no passphrase)."""

    input_url: str
    backup_url: str | None
    passphrase: str | None
    publish_url: str | None


class ChannelPage(BaseModel):
    items: list[ChannelOut]
    total: int
    limit: int
    offset: int


class ImportErrorOut(BaseModel):
    line: int | None
    field: str
    message: str


class ImportResult(BaseModel):
    imported: int
    channels: list[ChannelOut]
    errors: list[ImportErrorOut]
    dry_run: bool
    queued: int = Field(
        default=0,
        description="imported enabled channels beyond this server's channel capacity: they "
        "wait in the queued state until slots free (would wait, for a dry run)",
    )
    warnings: list[str] = Field(default_factory=list)


class LogOut(BaseModel):
    lines: list[str]
