"""Dependencies of the alerting routes: repositories over the app's database, the service.

``app.state.alerts`` is the running ``AlertService`` (``None`` where alerting does
not run); reads go straight to the database so any API node can answer them.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from streamfleet.alerts.service import AlertService
from streamfleet.api.deps import get_database
from streamfleet.api.errors import EngineUnavailable
from streamfleet.db.repositories.alerts import AlertRepository
from streamfleet.db.repositories.outbox import OutboxRepository
from streamfleet.db.repositories.targets import TargetRepository


async def get_alert_service(request: Request) -> AlertService | None:
    return cast(AlertService | None, getattr(request.app.state, "alerts", None))


async def require_alert_service(request: Request) -> AlertService:
    service = await get_alert_service(request)
    if service is None:
        raise EngineUnavailable("alerting does not run in this process")
    return service


async def get_alert_repository(request: Request) -> AlertRepository:
    return AlertRepository((await get_database(request)).sessions)


async def get_target_repository(request: Request) -> TargetRepository:
    return TargetRepository((await get_database(request)).sessions)


async def get_outbox_repository(request: Request) -> OutboxRepository:
    return OutboxRepository((await get_database(request)).sessions)


AlertServiceOrNoneDep = Annotated[AlertService | None, Depends(get_alert_service)]
AlertServiceDep = Annotated[AlertService, Depends(require_alert_service)]
AlertsDep = Annotated[AlertRepository, Depends(get_alert_repository)]
TargetsDep = Annotated[TargetRepository, Depends(get_target_repository)]
OutboxDep = Annotated[OutboxRepository, Depends(get_outbox_repository)]
