"""MP4 exports of a channel's archive, and its locked ranges."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from streamfleet.domain.archive_locks import MAX_REASON_CHARS


class SpanIn(BaseModel):
    """A span of the archive: ISO 8601 times with a zone; ``from`` inclusive, ``to`` exclusive."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: datetime = Field(alias="from")
    to: datetime


class ExportCreate(SpanIn):
    """At most 24 hours; segments starting in the span are copied."""


class ExportPartOut(BaseModel):
    index: int
    """1-based; download with ``?part=<index>``."""
    from_: datetime = Field(serialization_alias="from")
    to: datetime
    bytes: int
    """0 until the job is done."""
    url: str


class ExportOut(BaseModel):
    id: int
    channel_id: int
    channel_slug: str
    from_: datetime = Field(serialization_alias="from")
    to: datetime
    state: Literal["queued", "running", "done", "failed"]
    progress: float
    """0-1; 1 once done."""
    error: str | None
    parts: list[ExportPartOut]
    """One MP4 per run of the recording without a gap."""
    requested_by: str | None
    created_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None
    """When the job and its files are removed (``export_keep_hours`` after it ended)."""


class ExportList(BaseModel):
    items: list[ExportOut]


class LockCreate(SpanIn):
    """At most 366 days; every segment overlapping the span is kept from retention."""

    reason: str = Field(default="", max_length=MAX_REASON_CHARS)


class LockOut(BaseModel):
    id: int
    channel_id: int
    from_: datetime = Field(serialization_alias="from")
    to: datetime
    reason: str
    created_by: str | None
    created_at: datetime | None


class LockList(BaseModel):
    items: list[LockOut]
