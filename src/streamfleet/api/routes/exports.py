"""``/api/v1/exports``: MP4 copies of a span of a channel's archive, made in the background.

``POST /channels/{id}/exports`` checks the span (``domain/archive_span.py``: at most 24 h),
plans its parts from the index (one per run without a gap, ``domain/exports.py``) and
stores a ``queued`` job and tells the engine (``exports_queued``); the export runner
(``engine/exporter.py``) remuxes it.
A refused request writes nothing. A part is downloaded at ``…/download?part=<n>`` once the
job is ``done`` (409 before). Jobs and files go ``export_keep_hours`` after they end.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import FileResponse

from streamfleet.api import audit
from streamfleet.api.deps import (
    ArchiveDep,
    ChannelsDep,
    EngineOrNoneDep,
    ExportsDep,
    JsonBody,
    SettingsDep,
)
from streamfleet.api.params import RowId
from streamfleet.api.schemas.exports import ExportCreate, ExportList, ExportOut, ExportPartOut
from streamfleet.config import Settings
from streamfleet.db.base import utc_now
from streamfleet.domain.archive_span import MAX_SPAN_SEGMENTS, check_span
from streamfleet.domain.audit import AuditAction
from streamfleet.domain.errors import Conflict, InvalidInput, NotFound
from streamfleet.domain.exports import (
    MAX_PARTS,
    ExportJob,
    ExportState,
    download_name,
    plan_export,
)
from streamfleet.storage.export_files import part_path

router = APIRouter(prefix="/api/v1", tags=["exports"])


def export_out(job: ExportJob, settings: Settings) -> ExportOut:
    keep = timedelta(hours=settings.export_keep_hours)
    return ExportOut(
        id=job.id,
        channel_id=job.channel_id,
        channel_slug=job.channel_slug,
        from_=job.start,
        to=job.end,
        state=job.state.value,
        progress=job.progress,
        error=job.error,
        parts=[
            ExportPartOut(
                index=p.index,
                from_=p.start,
                to=p.end,
                bytes=p.bytes,
                url=f"/api/v1/exports/{job.id}/download?part={p.index}",
            )
            for p in job.parts
        ],
        requested_by=job.requested_by,
        created_at=job.created_at,
        finished_at=job.finished_at,
        expires_at=job.finished_at + keep if job.finished_at is not None else None,
    )


@router.post(
    "/channels/{channel_id}/exports",
    response_model=ExportOut,
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[JsonBody],
)
async def exports_create(
    request: Request,
    channel_id: RowId,
    body: ExportCreate,
    channels: ChannelsDep,
    archive: ArchiveDep,
    jobs: ExportsDep,
    engine: EngineOrNoneDep,
    settings: SettingsDep,
) -> ExportOut:
    """Queue an MP4 export of the segments starting in ``[from, to)`` (at most 24 hours)."""
    channel = (await channels.get(channel_id)).channel
    check_span(body.from_, body.to)
    segments = await archive.between(channel.id, body.from_, body.to, MAX_SPAN_SEGMENTS)
    target_s = channel.hls.segment_seconds or settings.hls_segment_seconds
    parts = plan_export(segments, target_s, body.to)
    if not parts:
        raise InvalidInput.of("from", "no recorded segment starts between from and to")
    if len(parts) > MAX_PARTS:
        raise InvalidInput.of("to", f"the span has over {MAX_PARTS} gaps: export less at once")
    principal = getattr(request.state, "principal", None)
    job = await jobs.create(
        ExportJob(
            id=0,
            channel_id=channel.id,
            channel_slug=channel.slug,
            start=body.from_,
            end=body.to,
            state=ExportState.QUEUED,
            progress=0.0,
            created_at=utc_now(),
            parts=tuple(p.as_part() for p in parts),
            requested_by=getattr(principal, "username", None),
        )
    )
    changes = audit.plain_changes(
        {"from": body.from_.isoformat(), "to": body.to.isoformat(), "parts": len(parts)}
    )
    await audit.record(request, AuditAction.EXPORT_CREATE, "export", job.id, channel.slug, changes)
    if engine is not None:
        await engine.exports_queued()
    return export_out(job, settings)


@router.get("/exports", response_model=ExportList)
async def exports_list(jobs: ExportsDep, settings: SettingsDep) -> ExportList:
    """Every export still kept, newest first."""
    return ExportList(items=[export_out(j, settings) for j in await jobs.newest()])


@router.get("/exports/{export_id}", response_model=ExportOut)
async def exports_get(export_id: RowId, jobs: ExportsDep, settings: SettingsDep) -> ExportOut:
    return export_out(await jobs.get(export_id), settings)


@router.get(
    "/exports/{export_id}/download",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {"schema": {"type": "string"}}}}},
)
async def exports_download(
    export_id: RowId,
    jobs: ExportsDep,
    settings: SettingsDep,
    part: Annotated[int, Query(ge=1, le=MAX_PARTS)] = 1,
) -> FileResponse:
    """One part of a finished export as MP4 (``moov`` first: it plays while downloading)."""
    job = await jobs.get(export_id)
    if job.state is not ExportState.DONE:
        raise Conflict(f"export {export_id} is {job.state.value}: download it once done")
    chosen = next((p for p in job.parts if p.index == part), None)
    path = part_path(settings.exports_dir, job.id, part)
    if chosen is None or not path.is_file():
        raise NotFound(f"export {export_id} has no part {part}")
    return FileResponse(
        path, media_type="video/mp4", filename=download_name(job.channel_slug, chosen)
    )
