"""``/api/v1/outbox``: every notification, pending, delivered or failed, and retrying."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status

from streamfleet.alerts.views import notification_view
from streamfleet.api import audit
from streamfleet.api.deps import SettingsDep
from streamfleet.api.params import Offset, RowId, RowIdFilter
from streamfleet.api.routes.alerts_deps import AlertServiceOrNoneDep, OutboxDep
from streamfleet.api.schemas.alerts import NotificationOut, NotificationPage
from streamfleet.db.base import utc_now
from streamfleet.db.repositories.outbox import NotificationRecord
from streamfleet.domain.audit import AuditAction

router = APIRouter(tags=["alerts"])


def notification_out(record: NotificationRecord) -> NotificationOut:
    return NotificationOut.model_validate(notification_view(record))


@router.get("/outbox", response_model=NotificationPage)
async def outbox_list(
    outbox: OutboxDep,
    state: Literal["pending", "delivered", "failed"] | None = None,
    target_id: RowIdFilter = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> NotificationPage:
    page = await outbox.list_page(state=state, target_id=target_id, limit=limit, offset=offset)
    items = [notification_out(r) for r in page.items]
    return NotificationPage(items=items, total=page.total, limit=page.limit, offset=page.offset)


@router.get("/outbox/{notification_id}", response_model=NotificationOut)
async def outbox_get(notification_id: RowId, outbox: OutboxDep) -> NotificationOut:
    return notification_out(await outbox.get(notification_id, with_attempts=True))


@router.post(
    "/outbox/{notification_id}/retry",
    response_model=NotificationOut,
    status_code=status.HTTP_202_ACCEPTED,
)
async def outbox_retry(
    request: Request,
    notification_id: RowId,
    outbox: OutboxDep,
    service: AlertServiceOrNoneDep,
    settings: SettingsDep,
) -> NotificationOut:
    """A failed row goes back to pending; the sender of whichever process runs it picks it up."""
    if service is not None:
        record = await service.retry(notification_id)
    else:
        record = await outbox.retry(notification_id, utc_now(), settings.notify_max_attempts)
    await audit.record(request, AuditAction.NOTIFICATION_RETRY, "notification", record.id)
    return notification_out(record)
