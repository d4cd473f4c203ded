"""``/api/v1/targets``: where notifications go (webhook or any apprise URL), and "send test"."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from streamfleet.alerts.kinds import TargetKind
from streamfleet.alerts.target_rules import (
    check_secret,
    check_target_url,
    new_secret,
    secret_hint,
    shown_url,
)
from streamfleet.alerts.views import notification_view
from streamfleet.api import audit
from streamfleet.api.deps import JsonBody
from streamfleet.api.params import RowId
from streamfleet.api.routes.alerts_deps import AlertServiceDep, TargetsDep
from streamfleet.api.schemas.alerts import (
    FiltersIn,
    NotificationOut,
    TargetCreate,
    TargetList,
    TargetOut,
    TargetUpdate,
    TestResultOut,
)
from streamfleet.db.repositories.targets import TargetRecord
from streamfleet.domain.audit import AuditAction, Changes
from streamfleet.domain.errors import InvalidInput

router = APIRouter(tags=["alerts"])


def target_out(record: TargetRecord, *, show_secret: bool = False) -> TargetOut:
    kind = TargetKind(record.kind)
    return TargetOut(
        id=record.id,
        name=record.name,
        kind=kind.value,
        url=shown_url(kind, record.url),
        enabled=record.enabled,
        filters=FiltersIn.model_validate(record.filters),
        secret=record.secret if show_secret else None,
        secret_hint=secret_hint(record.secret),
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


@router.get("/targets", response_model=TargetList)
async def targets_list(targets: TargetsDep) -> TargetList:
    items = [target_out(t) for t in await targets.list()]
    return TargetList(items=items, total=len(items))


@router.post(
    "/targets",
    response_model=TargetOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
)
async def targets_create(request: Request, body: TargetCreate, targets: TargetsDep) -> TargetOut:
    kind = TargetKind(body.kind)
    url = check_target_url(kind, body.url)
    secret = check_secret(kind, body.secret)
    if kind is TargetKind.WEBHOOK and secret is None:
        secret = new_secret()
    record = await targets.create(
        name=body.name,
        kind=kind.value,
        url=url,
        secret=secret,
        filters=body.filters.model_dump(),
        enabled=body.enabled,
    )
    await _audit(request, AuditAction.TARGET_CREATE, record, audit.target_changes(None, record))
    return target_out(record, show_secret=True)


@router.get("/targets/{target_id}", response_model=TargetOut)
async def targets_get(target_id: RowId, targets: TargetsDep) -> TargetOut:
    return target_out(await targets.get(target_id))


@router.patch("/targets/{target_id}", response_model=TargetOut, dependencies=[JsonBody])
async def targets_update(
    request: Request, target_id: RowId, body: TargetUpdate, targets: TargetsDep
) -> TargetOut:
    current = await targets.get(target_id)
    kind = TargetKind(current.kind)
    changes = body.model_dump(exclude_unset=True, exclude={"rotate_secret"})
    if "url" in changes:
        changes["url"] = check_target_url(kind, body.url or "")
    if "secret" in changes:
        changes["secret"] = check_secret(kind, body.secret)
        if kind is TargetKind.WEBHOOK and changes["secret"] is None:
            changes["secret"] = new_secret()
    if body.rotate_secret:
        if kind is not TargetKind.WEBHOOK:
            raise InvalidInput.of("rotate_secret", "only webhook targets have a signing secret")
        changes["secret"] = new_secret()
    if body.filters is not None:
        changes["filters"] = body.filters.model_dump()
    for key in ("name", "enabled", "filters"):
        if key in changes and changes[key] is None:
            del changes[key]
    record = await targets.update(target_id, changes)
    await _audit(request, AuditAction.TARGET_UPDATE, record, audit.target_changes(current, record))
    return target_out(record, show_secret="secret" in changes)


@router.delete("/targets/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
async def targets_delete(request: Request, target_id: RowId, targets: TargetsDep) -> Response:
    gone = await targets.get(target_id)
    await targets.delete(target_id)
    await _audit(request, AuditAction.TARGET_DELETE, gone, audit.target_changes(gone, None))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/targets/{target_id}/test", response_model=TestResultOut)
async def targets_test(
    request: Request, target_id: RowId, service: AlertServiceDep
) -> TestResultOut:
    """Send a test message now (one attempt); it is recorded in the outbox."""
    outcome = await service.send_test(target_id)
    await audit.record(request, AuditAction.TARGET_TEST, "target", target_id)
    return TestResultOut(
        ok=outcome.ok,
        error=outcome.error,
        status_code=outcome.status_code,
        notification=NotificationOut.model_validate(notification_view(outcome.notification)),
    )


async def _audit(
    request: Request, action: AuditAction, record: TargetRecord, changes: Changes
) -> None:
    await audit.record(request, action, "target", record.id, record.name, changes)
