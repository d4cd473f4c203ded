"""Output profile bodies."""

from __future__ import annotations

from pydantic import BaseModel


class RenditionOut(BaseModel):
    name: str
    height: int
    video_kbps: int
    audio_kbps: int


class ProfileOut(BaseModel):
    name: str
    description: str
    renditions: list[RenditionOut]
