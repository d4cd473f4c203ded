"""Output profiles: ``copy`` (remux only) and the named transcode ladders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Rendition:
    """One H.264 + AAC output of a transcode profile."""

    name: str
    height: int
    video_kbps: int
    audio_kbps: int = 128

    @property
    def maxrate_kbps(self) -> int:
        return self.video_kbps * 107 // 100

    @property
    def bufsize_kbps(self) -> int:
        return self.video_kbps * 3 // 2


@dataclass(frozen=True, slots=True)
class Profile:
    """A named output profile; ``renditions`` is empty for ``copy``."""

    name: str
    description: str
    renditions: tuple[Rendition, ...] = ()

    @property
    def is_copy(self) -> bool:
        return not self.renditions

    @property
    def is_ladder(self) -> bool:
        return len(self.renditions) > 1


COPY: Final = "copy"

PROFILES: Final[dict[str, Profile]] = {
    p.name: p
    for p in (
        Profile(COPY, "Remux the source as it is (no decoding; cheapest)."),
        Profile("720p", "H.264 1280x720 3 Mb/s + AAC 128 kb/s", (Rendition("720p", 720, 3000),)),
        Profile(
            "480p", "H.264 854x480 1.2 Mb/s + AAC 96 kb/s", (Rendition("480p", 480, 1200, 96),)
        ),
        Profile(
            "abr-3",
            "Adaptive ladder 1080p/720p/480p H.264 + AAC with a master playlist",
            (
                Rendition("1080p", 1080, 5000),
                Rendition("720p", 720, 3000),
                Rendition("480p", 480, 1200, 96),
            ),
        ),
    )
}


def profile_names() -> tuple[str, ...]:
    return tuple(PROFILES)


def get_profile(name: str) -> Profile | None:
    return PROFILES.get(name)
