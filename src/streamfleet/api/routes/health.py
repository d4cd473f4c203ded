"""``/healthz`` (the process runs) and ``/readyz`` (the database answers)."""

from __future__ import annotations

from fastapi import APIRouter

from streamfleet.api.deps import DatabaseDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def health_healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the database cannot be reached"}})
async def health_readyz(database: DatabaseDep) -> dict[str, str]:
    await database.ping()
    return {"status": "ready", "database": "ok"}
