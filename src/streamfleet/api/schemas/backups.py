"""Backup bodies: the scheduled backups (on disk or in the bucket) and the schedule's last runs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class BackupOut(BaseModel):
    name: str
    taken_at: datetime
    location: str
    """Where the backup is: its directory, or ``s3://bucket/prefix/name``."""
    finished: bool
    bytes: int
    rows: int
    encrypted: bool
    schema_revision: str | None
    problem: str


class BackupRunOut(BaseModel):
    at: datetime
    ok: bool
    seconds: float
    bytes: int
    error: str


class BackupScheduleOut(BaseModel):
    enabled: bool
    """``serve`` schedules backups in this process."""
    interval_s: float
    running_since: datetime | None
    last: BackupRunOut | None
    last_success: BackupRunOut | None
    failures: int


class BackupsOut(BaseModel):
    schedule: BackupScheduleOut
    items: list[BackupOut]
