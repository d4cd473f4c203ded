"""``POST /api/v1/probe``: what a source URL carries, before a channel is saved with it."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter
from pydantic import BaseModel, Field

from streamfleet.api.deps import SettingsDep
from streamfleet.domain.url_policy import check_input_url
from streamfleet.engine.process import Spawner
from streamfleet.engine.source_probe import probe_report

router = APIRouter(prefix="/api/v1", tags=["channels"])

PROBE_TIMEOUT_S: Final = 5.0
"""How long a source may stay silent before the probe says it cannot be reached."""


class ProbeIn(BaseModel):
    url: str = Field(max_length=4096, description="A source URL; the channel URL policy applies.")


class ProbedStreamOut(BaseModel):
    index: int
    kind: str
    codec: str
    profile: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bitrate_kbps: int | None = None


class ProbeOut(BaseModel):
    ok: bool
    format: str | None = None
    bitrate_kbps: int | None = None
    streams: list[ProbedStreamOut] = []
    error: str | None = None


@router.post("/probe", response_model=ProbeOut)
async def probe_source(body: ProbeIn, settings: SettingsDep) -> ProbeOut:
    """Open the source with the channel's input options and report its streams (or why not)."""
    url = check_input_url(body.url, field="url")
    report = await probe_report(
        Spawner(),
        settings.resolved_ffmpeg_path(),
        url,
        PROBE_TIMEOUT_S,
        settings.stop_timeout_s,
    )
    return ProbeOut.model_validate(report.to_dict())
