"""``/healthz`` (the process runs) and ``/readyz`` (the database answers)."""

from __future__ import annotations

from fastapi import APIRouter

from streamfleet.api.deps import DatabaseDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the database cannot be reached"}})
async def readyz(database: DatabaseDep) -> dict[str, str]:
    await database.ping()
    return {"status": "ready", "database": "ok"}
