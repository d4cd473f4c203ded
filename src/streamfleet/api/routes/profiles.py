"""``/api/v1/profiles``: the output profiles a channel may use."""

from __future__ import annotations

from fastapi import APIRouter

from streamfleet.api.schemas.profiles import ProfileOut, RenditionOut
from streamfleet.domain.profiles import PROFILES

router = APIRouter(prefix="/api/v1", tags=["channels"])


@router.get("/profiles", response_model=list[ProfileOut])
async def profiles_list() -> list[ProfileOut]:
    return [
        ProfileOut(
            name=p.name,
            description=p.description,
            renditions=[
                RenditionOut(
                    name=r.name, height=r.height, video_kbps=r.video_kbps, audio_kbps=r.audio_kbps
                )
                for r in p.renditions
            ],
        )
        for p in PROFILES.values()
    ]
