"""Uptime and incidents from the status history: per channel, for all, and as CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Response

from streamfleet.alerts.uptime import WINDOWS, UptimeReport, compute_uptime
from streamfleet.api.deps import ChannelsDep, EventsDep
from streamfleet.api.params import RowId, RowIdFilter
from streamfleet.api.schemas.alerts import IncidentOut, UptimeItem, UptimeOut, UptimeSummary
from streamfleet.db.base import utc_now
from streamfleet.db.repositories.events import EventRepository
from streamfleet.domain.times import iso_utc
from streamfleet.logs import redact_text

router = APIRouter(tags=["alerts"])

Window = Literal["24h", "7d", "30d"]
CSV_HEADER = ("channel_id", "channel", "started_at", "ended_at", "duration_s", "ongoing", "reason")


async def report_for(
    events: EventRepository, channel_id: int, window_from: datetime, until: datetime
) -> UptimeReport:
    points = await events.status_history(channel_id, window_from, until)
    return compute_uptime(points, window_from, until)


@router.get("/channels/{channel_id}/uptime", response_model=UptimeOut)
async def channels_uptime(
    channel_id: RowId, channels: ChannelsDep, events: EventsDep, window: Window = "24h"
) -> UptimeOut:
    channel = (await channels.get(channel_id)).channel
    until = utc_now()
    report = await report_for(events, channel.id, until - WINDOWS[window], until)
    return UptimeOut(
        channel_id=channel.id,
        channel=channel.slug,
        window=window,
        from_=report.window_from,
        until=report.window_until,
        uptime_percent=report.uptime_percent,
        up_s=round(report.up_s, 3),
        down_s=round(report.down_s, 3),
        monitored_s=round(report.monitored_s, 3),
        incidents=[
            IncidentOut(
                started_at=i.started_at,
                ended_at=i.ended_at,
                duration_s=i.duration_s,
                reason=redact_text(i.reason),
                ongoing=i.ongoing,
            )
            for i in reversed(report.incidents)
        ],
    )


@router.get("/uptime", response_model=UptimeSummary)
async def uptime_list(
    channels: ChannelsDep, events: EventsDep, window: Window = "24h"
) -> UptimeSummary:
    until = utc_now()
    window_from = until - WINDOWS[window]
    items = []
    for channel in await channels.all():
        report = await report_for(events, channel.id, window_from, until)
        items.append(
            UptimeItem(
                channel_id=channel.id,
                channel=channel.slug,
                uptime_percent=report.uptime_percent,
                down_s=round(report.down_s, 3),
                incidents=len(report.incidents),
            )
        )
    return UptimeSummary(window=window, from_=window_from, until=until, items=items)


@router.get(
    "/incidents.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one incident per line"}},
)
async def incidents_export(
    channels: ChannelsDep,
    events: EventsDep,
    window: Window = "30d",
    channel_id: RowIdFilter = None,
) -> Response:
    until = utc_now()
    window_from = until - WINDOWS[window]
    chosen = [(await channels.get(channel_id)).channel] if channel_id else await channels.all()
    lines: list[tuple[str, ...]] = []
    for channel in chosen:
        report = await report_for(events, channel.id, window_from, until)
        for i in report.incidents:
            lines.append(
                (
                    str(channel.id),
                    channel.slug,
                    iso_utc(i.started_at),
                    iso_utc(i.ended_at) if i.ended_at else "",
                    f"{i.duration_s:.3f}",
                    "true" if i.ongoing else "false",
                    redact_text(i.reason),
                )
            )
    lines.sort(key=lambda line: (line[2], line[1]))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(lines)
    filename = f"incidents-{window}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
