"""``GET /api/v1/backups``: the scheduled backups (on disk or in the bucket) and how the
schedule is doing."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from streamfleet.api.deps import SettingsDep
from streamfleet.api.schemas.backups import BackupOut, BackupRunOut, BackupScheduleOut, BackupsOut
from streamfleet.backup.destinations import scheduled_destination
from streamfleet.backup.listing import list_backups
from streamfleet.backup.schedule import BackupRun, BackupSchedule

router = APIRouter(prefix="/api/v1", tags=["backups"])


@router.get("/backups", response_model=BackupsOut)
async def backups_list(request: Request, settings: SettingsDep) -> BackupsOut:
    schedule: BackupSchedule | None = getattr(request.app.state, "backups", None)
    destination = schedule.destination if schedule else None
    entries = await asyncio.to_thread(
        lambda: list_backups(destination or scheduled_destination(settings))
    )
    return BackupsOut(
        schedule=_schedule_out(schedule, settings.backup_interval_s),
        items=[
            BackupOut(
                name=e.name,
                taken_at=e.taken_at,
                location=e.location,
                finished=e.finished,
                bytes=e.bytes,
                rows=e.rows,
                encrypted=e.encrypted,
                schema_revision=e.schema_revision,
                problem=e.problem,
            )
            for e in entries
        ],
    )


def _schedule_out(schedule: BackupSchedule | None, interval_s: float) -> BackupScheduleOut:
    if schedule is None:
        return BackupScheduleOut(
            enabled=False,
            interval_s=interval_s,
            running_since=None,
            last=None,
            last_success=None,
            failures=0,
        )
    status = schedule.status
    return BackupScheduleOut(
        enabled=schedule.interval_s > 0,
        interval_s=schedule.interval_s,
        running_since=status.running_since,
        last=_run_out(status.last),
        last_success=_run_out(status.last_success),
        failures=status.failures,
    )


def _run_out(run: BackupRun | None) -> BackupRunOut | None:
    if run is None:
        return None
    return BackupRunOut(at=run.at, ok=run.ok, seconds=run.seconds, bytes=run.bytes, error=run.error)
