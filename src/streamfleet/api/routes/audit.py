"""``GET /api/v1/audit``: who changed what, newest first, filtered and paged by cursor.

Admins only (the permission policy's row for this route). The cursor is
opaque (``domain.audit.encode_cursor``): a page continues exactly where the
previous one ended, however many entries are added meanwhile.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from fastapi import APIRouter, Query, Request

from streamfleet.api.schemas.audit import AuditEventOut, AuditPageOut
from streamfleet.db.audit_models import (
    MAX_ACTION_LENGTH,
    MAX_ACTOR_LENGTH,
    MAX_TARGET_ID_LENGTH,
    MAX_TARGET_TYPE_LENGTH,
)
from streamfleet.db.repositories.audit import AuditFilters, AuditRepository
from streamfleet.domain.audit import MAX_CURSOR_CHARS, decode_cursor, encode_cursor
from streamfleet.domain.zoned_time import zoned

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=AuditPageOut)
async def audit_list(
    request: Request,
    actor: Annotated[str | None, Query(max_length=MAX_ACTOR_LENGTH)] = None,
    action: Annotated[
        str | None, Query(max_length=MAX_ACTION_LENGTH, description="e.g. channel.update")
    ] = None,
    target_type: Annotated[str | None, Query(max_length=MAX_TARGET_TYPE_LENGTH)] = None,
    target_id: Annotated[str | None, Query(max_length=MAX_TARGET_ID_LENGTH)] = None,
    since: Annotated[datetime | None, Query(description="inclusive, ISO 8601 with zone")] = None,
    until: Annotated[datetime | None, Query(description="exclusive, ISO 8601 with zone")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_CHARS, description="next_cursor of a page")
    ] = None,
) -> AuditPageOut:
    filters = AuditFilters(
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        since=zoned("since", since),
        until=zoned("until", until),
    )
    after = decode_cursor(cursor) if cursor is not None else None
    repository = cast(AuditRepository, request.app.state.audit)
    page = await repository.list_page(filters, limit=limit, after=after)
    return AuditPageOut(
        items=[
            AuditEventOut(
                id=e.id,
                at=e.at,
                actor=e.actor,
                role=e.role,
                address=e.address,
                action=e.action,
                target_type=e.target_type,
                target_id=e.target_id,
                target_name=e.target_name,
                changes=e.changes,
            )
            for e in page.items
        ],
        next_cursor=encode_cursor(page.next) if page.next is not None else None,
    )
