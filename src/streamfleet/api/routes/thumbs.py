"""``/thumbs/<slug>.jpg``: a channel's latest thumbnail, cheap to poll.

``ETag`` and ``Last-Modified`` come from the file's modification time and
size, so a revalidation (``If-None-Match`` / ``If-Modified-Since``) is answered
``304`` from a ``stat()`` alone. ``Cache-Control: no-cache``: browsers keep the
image and ask each time. The slug must be a valid slug, so no path leaves
``thumbs_dir``.

``/thumbs/s/<expires>/<token>/<slug>.jpg`` is the signed form (``domain/playback_signing.py``):
403 for a wrong token, 410 once expired; with ``playback_signing`` on, the unsigned path
answers 403.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request, Response

from streamfleet.api.deps import PlaybackDep, SettingsDep
from streamfleet.config import Settings
from streamfleet.domain.errors import NotFound, PlaybackDenied
from streamfleet.domain.playback_signing import split_signed, thumbnail_resource
from streamfleet.domain.slug import is_valid_slug
from streamfleet.storage.hls_paths import thumbnail_path

router = APIRouter(tags=["media"])

JPEG_MEDIA_TYPE: Final = "image/jpeg"
THUMBNAIL_PATH: Final = "/thumbs/{slug}.jpg"
SIGNED_THUMBNAIL_PATH: Final = "/thumbs/s/{expires}/{token}/{slug}.jpg"
_RESPONSES: Final[dict[int | str, dict[str, object]]] = {
    200: {"content": {JPEG_MEDIA_TYPE: {}}, "description": "the JPEG"},
    304: {"description": "the client's copy is current"},
    403: {"description": "unsigned while playback signing is on, or a wrong token"},
    404: {"description": "no such channel or no thumbnail yet"},
}


@dataclass(frozen=True, slots=True)
class _Version:
    etag: str
    modified: datetime

    @classmethod
    def of(cls, stat: os.stat_result) -> _Version:
        modified = datetime.fromtimestamp(int(stat.st_mtime), UTC)
        return cls(f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"', modified)

    def headers(self) -> dict[str, str]:
        return {
            "ETag": self.etag,
            "Last-Modified": format_datetime(self.modified, usegmt=True),
            "Cache-Control": "no-cache",
        }


@router.get(THUMBNAIL_PATH, response_class=Response, responses=_RESPONSES)
async def thumbs_get(
    slug: str, request: Request, settings: SettingsDep, playback: PlaybackDep
) -> Response:
    playback.check_unsigned()
    return await _answer(slug, request, settings)


@router.get(
    SIGNED_THUMBNAIL_PATH,
    response_class=Response,
    responses={**_RESPONSES, 410: {"description": "the signed path's expiry has passed"}},
)
async def thumbs_get_signed(
    expires: str, token: str, slug: str, request: Request, settings: SettingsDep,
    playback: PlaybackDep,
) -> Response:  # fmt: skip
    signed = split_signed(f"{expires}/{token}/{slug}.jpg")
    if signed is None:
        raise PlaybackDenied("not a signed thumbnail path: use the URL the API gives")
    if not is_valid_slug(slug):
        raise NotFound(f"no thumbnail for '{slug}'")
    playback.check_signed(signed, thumbnail_resource(slug))
    return await _answer(slug, request, settings)


async def _answer(slug: str, request: Request, settings: Settings) -> Response:
    """The thumbnail of ``slug`` (or 304, or 404) once the path's signature, if any, passed."""
    if not is_valid_slug(slug):
        raise NotFound(f"no thumbnail for '{slug}'")
    path = thumbnail_path(settings.thumbs_dir, slug)
    try:
        version = _Version.of(path.stat())
    except OSError:
        raise NotFound(f"no thumbnail for channel '{slug}' yet") from None
    if _not_modified(request, version):
        return Response(status_code=304, headers=version.headers())
    try:
        data, version = await asyncio.to_thread(_read, path)
    except OSError:
        raise NotFound(f"no thumbnail for channel '{slug}' yet") from None
    body = b"" if request.method == "HEAD" else data
    headers = version.headers()
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(data))
    return Response(body, media_type=JPEG_MEDIA_TYPE, headers=headers)


router.add_api_route(THUMBNAIL_PATH, thumbs_get, methods=["HEAD"], include_in_schema=False)
router.add_api_route(
    SIGNED_THUMBNAIL_PATH, thumbs_get_signed, methods=["HEAD"], include_in_schema=False
)


def _read(path: Path) -> tuple[bytes, _Version]:
    """The bytes and version of one file (the thumbnailer replaces it, never edits it)."""
    with path.open("rb") as handle:
        return handle.read(), _Version.of(os.fstat(handle.fileno()))


def _not_modified(request: Request, version: _Version) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or version.etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return version.modified <= since
