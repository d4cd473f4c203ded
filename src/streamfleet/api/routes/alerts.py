"""``/api/v1/alerts``: open and resolved alerts, acknowledging, the rules (docs/alerts.md).

Its router also carries the targets, outbox and uptime routers, so the app
includes alerting with one line.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from streamfleet.alerts.kinds import RULE_SEVERITY, Rule
from streamfleet.alerts.views import alert_view
from streamfleet.api import audit
from streamfleet.api.deps import JsonBody, SettingsDep
from streamfleet.api.params import Offset, RowId, RowIdFilter
from streamfleet.api.routes import outbox, targets, uptime
from streamfleet.api.routes.alerts_deps import AlertsDep, AlertServiceOrNoneDep
from streamfleet.api.schemas.alerts import AckIn, AlertOut, AlertPage, RuleOut
from streamfleet.cluster.timing import LEASE_TTL_S
from streamfleet.config import Settings
from streamfleet.db.base import utc_now
from streamfleet.db.repositories.alerts import AlertRecord
from streamfleet.domain.audit import AuditAction

router = APIRouter(prefix="/api/v1", tags=["alerts"])


def alert_out(record: AlertRecord) -> AlertOut:
    return AlertOut.model_validate(alert_view(record, utc_now()))


@router.get("/alerts", response_model=AlertPage)
async def alerts_list(
    alerts: AlertsDep,
    state: Literal["open", "resolved"] | None = None,
    channel_id: RowIdFilter = None,
    rule: Annotated[Rule | None, Query()] = None,
    severity: Literal["critical", "warning", "info"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> AlertPage:
    page = await alerts.list_page(
        state=state,
        channel_id=channel_id,
        rule=rule.value if rule else None,
        severity=severity,
        limit=limit,
        offset=offset,
    )
    items = [alert_out(r) for r in page.items]
    return AlertPage(items=items, total=page.total, limit=page.limit, offset=page.offset)


@router.get("/alerts/rules", response_model=list[RuleOut])
async def alerts_rules(settings: SettingsDep) -> list[RuleOut]:
    return [
        RuleOut(
            rule=rule.value,
            severity=RULE_SEVERITY[rule].value,
            description=description,
            threshold=threshold,
            wired=True,
        )
        for rule, (description, threshold) in _rule_texts(settings).items()
    ]


@router.get("/alerts/{alert_id}", response_model=AlertOut)
async def alerts_get(alert_id: RowId, alerts: AlertsDep) -> AlertOut:
    return alert_out(await alerts.get(alert_id))


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, dependencies=[JsonBody])
async def alerts_acknowledge(
    request: Request,
    alert_id: RowId,
    alerts: AlertsDep,
    service: AlertServiceOrNoneDep,
    body: AckIn | None = None,
) -> AlertOut:
    by = (body or AckIn()).by
    if service is not None:
        record = await service.acknowledge(alert_id, by)
    else:
        record, _first = await alerts.acknowledge(alert_id, by, utc_now())
    changes = audit.plain_changes({"acknowledged_by": by})
    await audit.record(request, AuditAction.ALERT_ACK, "alert", record.id, record.subject, changes)
    return alert_out(record)


def _rule_texts(settings: Settings) -> dict[Rule, tuple[str, str]]:
    s = settings
    content = f"longer than {s.alert_content_after_s:g} s, for checks the channel enables"
    return {
        Rule.OFFLINE: (
            "The channel is offline (or in error) for longer than its grace period.",
            "offline_grace_s of the channel (default 10 s)",
        ),
        Rule.DEGRADED: (
            "The channel is degraded for longer than the set time.",
            f"{s.alert_degraded_after_s:g} s",
        ),
        Rule.FLAPPING: (
            "The channel keeps losing its source and coming back.",
            f"more than {s.flap_threshold} losses in {s.flap_window_s:g} s",
        ),
        Rule.CONTENT_BLACK: ("The picture is black.", content),
        Rule.CONTENT_FREEZE: ("The picture is frozen.", content),
        Rule.CONTENT_SILENCE: ("The audio is silent.", content),
        Rule.WORKER_LOST: (
            "A stream worker of the fleet stopped heartbeating; resolves when it is back or "
            "leaves cleanly.",
            f"heartbeat older than {LEASE_TTL_S:g} s",
        ),
        Rule.BACKUP_FAILED: (
            "A scheduled backup failed, or the newest is older than twice the interval.",
            f"every {s.backup_interval_s:g} s" if s.backup_interval_s else "scheduled backups off",
        ),
    }


router.include_router(targets.router)
router.include_router(outbox.router)
router.include_router(uptime.router)
