"""The recordings of a channel: recorded ranges and the gaps between them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RecordedRangeOut(BaseModel):
    from_: datetime = Field(serialization_alias="from")
    to: datetime
    segments: int
    bytes: int


class GapOut(BaseModel):
    from_: datetime = Field(serialization_alias="from")
    to: datetime


class RecordingsOut(BaseModel):
    ranges: list[RecordedRangeOut]
    gaps: list[GapOut]
    """Between two ranges (a source lost, recording paused or off); none before the first
    range or after the last."""
