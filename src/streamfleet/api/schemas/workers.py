"""Worker bodies: the fleet's stream workers as ``GET /api/v1/workers`` lists them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

DrainStateName = Literal["none", "moving", "waiting", "drained"]


class WorkerChannelOut(BaseModel):
    id: int
    name: str
    slug: str


class WorkerOut(BaseModel):
    id: str
    host: str
    version: str
    labels: dict[str, str]
    capacity: int
    channel_count: int
    channels: list[WorkerChannelOut]
    load: float = Field(description="channels held / capacity")
    heartbeat_age_s: float = Field(description="seconds since its last heartbeat (database clock)")
    live: bool = Field(description="heartbeat younger than the lease TTL")
    draining: bool
    drain_state: DrainStateName = Field(
        description="none; moving (channels go one at a time); waiting (no other worker can "
        "take its channels: they stay); drained (none left)"
    )


class WorkerList(BaseModel):
    items: list[WorkerOut]
