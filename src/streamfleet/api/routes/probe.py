"""``POST /api/v1/probe``: what a source URL carries, before a channel is saved with it."""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter
from pydantic import BaseModel, Field

from streamfleet.api.deps import SettingsDep
from streamfleet.domain.url_policy import check_input_url
from streamfleet.engine.process import Spawner
from streamfleet.engine.source_probe import probe_report
from streamfleet.media.probe_report import ProbeReport

router = APIRouter(prefix="/api/v1", tags=["channels"])

PROBE_TIMEOUT_S: Final = 5.0
"""How long a source may stay silent before the probe says it cannot be reached."""


class ProbeIn(BaseModel):
    url: str = Field(max_length=4096, description="A source URL; the channel URL policy applies.")


@router.post("/probe", response_model=ProbeReport)
async def probe_source(body: ProbeIn, settings: SettingsDep) -> ProbeReport:
    """Open the source with the channel's input options and report its streams (or why not)."""
    url = check_input_url(body.url, field="url")
    return await probe_report(
        Spawner(),
        settings.resolved_ffmpeg_path(),
        url,
        PROBE_TIMEOUT_S,
        settings.stop_timeout_s,
    )
