"""``POST /api/v1/probe``: what a source URL carries, before a channel is saved with it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from streamfleet.api.deps import EngineDep
from streamfleet.domain.url_policy import check_input_url
from streamfleet.media.probe_report import ProbeReport

router = APIRouter(prefix="/api/v1", tags=["channels"])


class ProbeIn(BaseModel):
    url: str = Field(max_length=4096, description="A source URL; the channel URL policy applies.")


@router.post("/probe", response_model=ProbeReport)
async def probe_run(body: ProbeIn, engine: EngineDep) -> ProbeReport:
    """Open the source with the channel's input options and report its streams (or why not).

    The engine probes (on a fleet, where the sources are reachable); 503 without one."""
    return await engine.probe_source(check_input_url(body.url, field="url"))
