"""``POST /api/v1/probe``: what a source URL carries, before a channel is saved with it."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from streamfleet.api.deps import EngineDep
from streamfleet.api.schemas.commands import CommandOut
from streamfleet.domain.url_policy import check_input_url
from streamfleet.media.probe_report import ProbeReport

router = APIRouter(prefix="/api/v1", tags=["channels"])


class ProbeIn(BaseModel):
    url: str = Field(max_length=4096, description="A source URL; the channel URL policy applies.")


@router.post(
    "/probe",
    response_model=ProbeReport,
    responses={
        202: {
            "model": CommandOut,
            "description": "On a fleet's API node: the worker probing has not answered within "
            "STREAMFLEET_COMMAND_WAIT_S; follow Location (/api/v1/commands/{id})",
        },
        503: {"description": "No engine here, or (a fleet) no live worker to probe from"},
    },
)
async def probe_run(body: ProbeIn, engine: EngineDep) -> ProbeReport:
    """Open the source with the channel's input options and report its streams (or why not).

    The engine probes; on a fleet, the least-loaded live worker does (its network is where
    the sources are reachable), and 503 answers when no worker is live."""
    return await engine.probe_source(check_input_url(body.url, field="url"))
