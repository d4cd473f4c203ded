"""``/api/v1/channels/{id}/recordings/locks``: spans of a channel's archive that retention
keeps (days, byte quota and the free-space floor alike; ``domain/archive_locks.py``).

A lock spans at most 366 days; a channel has at most 100. Creating and deleting one is
audited (``lock.create``, ``lock.delete``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from streamfleet.api import audit
from streamfleet.api.deps import ChannelsDep, JsonBody, LocksDep
from streamfleet.api.params import RowId
from streamfleet.api.schemas.exports import LockCreate, LockList, LockOut
from streamfleet.db.base import utc_now
from streamfleet.domain.archive_locks import ArchiveLock
from streamfleet.domain.archive_span import MAX_LOCK_SPAN, check_span
from streamfleet.domain.audit import AuditAction, Changes

router = APIRouter(prefix="/api/v1", tags=["locks"])


def lock_out(lock: ArchiveLock) -> LockOut:
    return LockOut(
        id=lock.id or 0,
        channel_id=lock.channel_id,
        from_=lock.start,
        to=lock.end,
        reason=lock.reason,
        created_by=lock.created_by,
        created_at=lock.created_at,
    )


def lock_changes(lock: ArchiveLock) -> Changes:
    return audit.plain_changes(
        {"from": lock.start.isoformat(), "to": lock.end.isoformat(), "reason": lock.reason}
    )


@router.get("/channels/{channel_id}/recordings/locks", response_model=LockList)
async def locks_list(channel_id: RowId, channels: ChannelsDep, locks: LocksDep) -> LockList:
    channel = (await channels.get(channel_id)).channel
    return LockList(items=[lock_out(lock) for lock in await locks.of_channel(channel.id)])


@router.post(
    "/channels/{channel_id}/recordings/locks",
    response_model=LockOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
)
async def locks_create(
    request: Request, channel_id: RowId, body: LockCreate, channels: ChannelsDep, locks: LocksDep
) -> LockOut:
    """Keep every segment overlapping ``[from, to)`` from retention until the lock is deleted."""
    channel = (await channels.get(channel_id)).channel
    check_span(body.from_, body.to, MAX_LOCK_SPAN)
    principal = getattr(request.state, "principal", None)
    lock = await locks.add(
        ArchiveLock(
            channel_id=channel.id,
            start=body.from_,
            end=body.to,
            reason=body.reason,
            created_at=utc_now(),
            created_by=getattr(principal, "username", None),
        )
    )
    await audit.record(
        request, AuditAction.LOCK_CREATE, "lock", lock.id, channel.slug, lock_changes(lock)
    )
    return lock_out(lock)


@router.delete(
    "/channels/{channel_id}/recordings/locks/{lock_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def locks_delete(
    request: Request, channel_id: RowId, lock_id: RowId, channels: ChannelsDep, locks: LocksDep
) -> Response:
    channel = (await channels.get(channel_id)).channel
    gone = await locks.delete(channel.id, lock_id)
    await audit.record(
        request, AuditAction.LOCK_DELETE, "lock", lock_id, channel.slug, lock_changes(gone)
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
