"""``/api/v1/workers``: the fleet's stream workers, and draining one of them.

A drain is desired state written to the database: the worker learns it at its next
heartbeat and moves its channels away one at a time (``fleet/drain.py``); the answer
(202) is the worker as it stands when asked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from streamfleet.api import audit
from streamfleet.api.deps import ChannelsDep, DatabaseDep
from streamfleet.api.schemas.workers import WorkerChannelOut, WorkerList, WorkerOut
from streamfleet.db.cluster_models import MAX_WORKER_ID_LENGTH
from streamfleet.domain.audit import AuditAction
from streamfleet.domain.errors import NotFound
from streamfleet.fleet.roster import Roster, WorkerStanding

router = APIRouter(prefix="/api/v1", tags=["workers"])

WorkerId = Annotated[str, Path(min_length=1, max_length=MAX_WORKER_ID_LENGTH)]


async def get_roster(database: DatabaseDep, channels: ChannelsDep) -> Roster:
    return Roster(database, channels)


RosterDep = Annotated[Roster, Depends(get_roster)]


@router.get("/workers", response_model=WorkerList)
async def workers_list(roster: RosterDep) -> WorkerList:
    return WorkerList(items=[worker_out(standing) for standing in await roster.workers()])


@router.post("/workers/{worker_id}/drain", response_model=WorkerOut, status_code=202)
async def workers_drain(worker_id: WorkerId, roster: RosterDep, request: Request) -> WorkerOut:
    """Drain the worker: it takes no new channels and moves its own to the others, one at a
    time. Operators and up; audited (``worker.drain``)."""
    if not await roster.drain(worker_id):
        raise NotFound(f"no worker {worker_id!r} is registered")
    await audit.record(request, AuditAction.WORKER_DRAIN, "worker", worker_id, worker_id)
    standing = next((s for s in await roster.workers() if s.info.spec.id == worker_id), None)
    if standing is None:  # it left cleanly in between
        raise NotFound(f"no worker {worker_id!r} is registered")
    return worker_out(standing)


def worker_out(standing: WorkerStanding) -> WorkerOut:
    info = standing.info
    return WorkerOut(
        id=info.spec.id,
        host=info.spec.host,
        version=info.spec.version,
        labels=dict(info.spec.labels),
        capacity=info.spec.capacity,
        channel_count=len(standing.channels),
        channels=[WorkerChannelOut(id=c.id, name=c.name, slug=c.slug) for c in standing.channels],
        load=round(standing.load, 3),
        heartbeat_age_s=round(info.heartbeat_age_s, 1),
        live=standing.live,
        draining=info.draining,
        drain_state=standing.drain.value,
    )
