"""Bodies of the alerting API: alerts, targets, the outbox, uptime (docs/alerts.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SeverityName = Literal["critical", "warning", "info"]
Tag = Annotated[str, Field(min_length=1, max_length=64)]


class AlertOut(BaseModel):
    id: int
    channel_id: int | None
    channel: str | None
    rule: str
    severity: SeverityName
    state: Literal["open", "resolved"]
    summary: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    notified: bool
    data: dict[str, Any]


class AlertPage(BaseModel):
    items: list[AlertOut]
    total: int
    limit: int
    offset: int


class AckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    by: Annotated[str, Field(min_length=1, max_length=200)] = "operator"


class RuleOut(BaseModel):
    rule: str
    severity: SeverityName
    description: str
    threshold: str
    wired: bool


class FiltersIn(BaseModel):
    # Answers always carry every field: the document says so (FiltersIn-Output).
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    tags: Annotated[list[Tag], Field(max_length=50)] = []
    severities: list[SeverityName] = []
    on_open: bool = True
    on_resolve: bool = True


class TargetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    kind: Literal["webhook", "apprise"]
    url: Annotated[str, Field(min_length=1, max_length=2048)]
    enabled: bool = True
    filters: FiltersIn = FiltersIn()
    secret: str | None = None


class TargetUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    url: Annotated[str | None, Field(min_length=1, max_length=2048)] = None
    enabled: bool | None = None
    filters: FiltersIn | None = None
    secret: str | None = None
    rotate_secret: bool = False


class TargetOut(BaseModel):
    id: int
    name: str
    kind: Literal["webhook", "apprise"]
    url: str
    enabled: bool
    filters: FiltersIn
    secret: str | None
    secret_hint: str | None
    created_at: datetime | None
    updated_at: datetime | None


class TargetList(BaseModel):
    items: list[TargetOut]
    total: int


class AttemptOut(BaseModel):
    at: datetime
    ok: bool
    error: str | None
    status_code: int | None


class NotificationOut(BaseModel):
    id: int
    target_id: int
    target: str
    event: Literal["opened", "resolved", "test"]
    title: str
    alert_ids: list[int]
    state: Literal["pending", "delivered", "failed"]
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptOut] | None = None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    total: int
    limit: int
    offset: int


class TestResultOut(BaseModel):
    ok: bool
    error: str | None
    status_code: int | None
    notification: NotificationOut


class IncidentOut(BaseModel):
    started_at: datetime
    ended_at: datetime | None
    duration_s: float
    reason: str
    ongoing: bool


class UptimeOut(BaseModel):
    channel_id: int
    channel: str
    window: str
    from_: datetime = Field(serialization_alias="from")
    until: datetime
    uptime_percent: float | None
    up_s: float
    down_s: float
    monitored_s: float
    incidents: list[IncidentOut]


class UptimeItem(BaseModel):
    channel_id: int
    channel: str
    uptime_percent: float | None
    down_s: float
    incidents: int


class UptimeSummary(BaseModel):
    window: str
    from_: datetime = Field(serialization_alias="from")
    until: datetime
    items: list[UptimeItem]
