"""``GET /metrics``: Prometheus text exposition, read from the app's state at scrape time.

Each scrape takes a ``FleetSnapshot`` of the channel list (database), the
engine's observed state (``EngineControl.state``), open alerts and outbox rows;
``metrics_collector.py`` turns it into metric families.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from streamfleet.api.deps import ChannelsDep, EngineOrNoneDep
from streamfleet.api.routes.alerts_deps import AlertsDep, OutboxDep
from streamfleet.backup.metrics import BackupCollector
from streamfleet.metrics_collector import ChannelSample, FleetSnapshot, exposition

router = APIRouter(tags=["metrics"])


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}},
)
async def metrics_scrape(
    request: Request,
    channels: ChannelsDep,
    alerts: AlertsDep,
    outbox: OutboxDep,
    engine: EngineOrNoneDep,
) -> Response:
    records = await channels.records()
    states = await engine.states([r.channel.id for r in records]) if engine is not None else {}
    samples = []
    for record in records:
        channel = record.channel
        state = states.get(channel.id)
        if state is not None:
            samples.append(
                ChannelSample(
                    channel.slug,
                    channel.enabled,
                    state.status,
                    state.since,
                    state.restarts,
                    state.metrics,
                )
            )
        else:
            samples.append(
                ChannelSample(channel.slug, channel.enabled, record.status, record.status_since)
            )
    stats = await engine.stats() if engine is not None else None
    here = stats if stats is not None and stats.runs_here else None
    snapshot = FleetSnapshot(
        channels=samples,
        now=time.time(),
        engine_running=here is not None,
        open_alerts=await alerts.count_open_by_severity(),
        outbox=await outbox.count_by_state(),
        thumbnail_cpu_s=here.thumbnail_cpu_s if here is not None else None,
    )
    backups = getattr(request.app.state, "backups", None)
    extra = [BackupCollector(backups.status, backups.interval_s)] if backups is not None else []
    return Response(exposition(snapshot, *extra), media_type=CONTENT_TYPE_LATEST)
