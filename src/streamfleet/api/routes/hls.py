"""``/hls/<slug>/…``: the HLS files the engine writes, with the seed's nginx headers.

Playlists ``application/vnd.apple.mpegurl`` with ``Cache-Control: no-cache``;
segments ``video/mp2t`` (``video/mp4`` for fMP4) with ``max-age=3600``; CORS
``*`` on every answer and the ``OPTIONS`` preflight ``204`` (``api/security_headers.py``). Only
``<slug>/<file>`` or ``<slug>/<rendition>/<file>`` with a media extension is
served; ``..`` (raw or ``%2e%2e``), absolute paths and symlinks that leave the
HLS root are 404. Needs ``Settings`` and ``Playback`` (``app.state``).

A catch-up or timeshift playlist (``api/routes/archive_playlists.py``) names archived
segments as ``<slug>/[<rendition>/]archive/<YYYY-MM-DD>/<HH>/<file>``: served from the
archive (``<archive>/<slug>/<YYYY-MM-DD>/<HH>/[<rendition>/]<file>``) by the same rules,
segments only, ``max-age=3600`` (an archived file never changes).

Signed paths ``/hls/s/<expires>/<token>/<slug>/…`` (``domain/playback_signing.py``) are
served when the token covers ``/hls/<slug>/`` (else 403) and has not expired (else 410);
with ``playback_signing`` on, the unsigned paths answer 403. No valid unsigned path has
the signed shape (a slug ``s`` has at most ``s/<rendition>/<file>`` live, and ``archive`` or
a rendition, never digits, after ``s/`` in the archive), so one route serves both.
"""

from __future__ import annotations

import asyncio
from pathlib import PurePosixPath
from typing import Any, Final

from fastapi import APIRouter, Response, status
from fastapi.responses import FileResponse, RedirectResponse

from streamfleet.api.deps import ArchiveBucketDep, PlaybackDep, SettingsDep
from streamfleet.api.playback import Playback
from streamfleet.api.security_headers import MEDIA_PREFLIGHT
from streamfleet.config import Settings
from streamfleet.domain.errors import NotFound, PlaybackDenied
from streamfleet.domain.playback_signing import hls_resource, hls_slug, split_signed
from streamfleet.storage.archive_bucket import ArchiveBucket
from streamfleet.storage.hls_paths import (
    HLS_MEDIA_TYPES,
    MAX_HLS_DEPTH,
    archive_relative_path,
    hls_relative_path,
    resolve_hls_file,
)

router = APIRouter(tags=["media"])

SIGNED_PREFIX: Final = "s/"

PLAYLIST_CACHE: Final = "no-cache"
SEGMENT_CACHE: Final = "max-age=3600"
PLAYBACK_REFUSALS: Final[dict[int | str, dict[str, Any]]] = {
    403: {"description": "unsigned while playback signing is on, or a wrong token"},
    410: {"description": "a signed path whose expiry has passed"},
}


@router.get(
    "/hls/{path:path}",
    response_class=FileResponse,
    responses={
        200: {
            "description": "a playlist or a media segment",
            "content": {
                t: {"schema": {"type": "string"}} for t in sorted({*HLS_MEDIA_TYPES.values()})
            },
        },
        302: {"description": "an archived segment kept only in the bucket: its presigned URL"},
        404: {"description": "no such file, or a path that is not allowed"},
        **PLAYBACK_REFUSALS,
    },
)
async def hls_get(
    path: str, settings: SettingsDep, playback: PlaybackDep, bucket: ArchiveBucketDep
) -> Response:
    path = playback_path(path, playback)
    relative = hls_relative_path(path)
    found = resolve_hls_file(settings.hls_dir, relative) if relative is not None else None
    if relative is None:
        archived = archive_relative_path(path)
        if archived is not None:
            return await archive_file(settings, archived, path, bucket)
    if relative is None or found is None:
        raise NotFound(f"no HLS file '{path}'")
    suffix = relative.suffix
    if suffix == ".m3u8":
        # Read whole, at once: FFmpeg replaces a playlist by renaming a new one over it, and a
        # file sent as stat-then-stream could change size in between (a cut-off answer).
        try:
            playlist = await asyncio.to_thread(found.read_bytes)
        except OSError:
            raise NotFound(f"no HLS file '{path}'") from None
        return Response(
            playlist,
            media_type=HLS_MEDIA_TYPES[suffix],
            headers={"Cache-Control": PLAYLIST_CACHE},
        )
    return FileResponse(
        found,
        media_type=HLS_MEDIA_TYPES[suffix],
        headers={"Cache-Control": SEGMENT_CACHE},
    )


async def archive_file(
    settings: Settings, relative: PurePosixPath, path: str, bucket: ArchiveBucket | None
) -> Response:
    """An archived segment (a catch-up or timeshift playlist names it), from the archive; one
    that lives only in the bucket (``archive_to_s3``) is a redirect to a presigned URL of its
    object, so the player reads it from the store, not through the API."""
    found = resolve_hls_file(settings.archive_dir, relative)
    if found is None and bucket is not None:
        url = await asyncio.to_thread(bucket.url, relative.as_posix())
        return RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    if found is None:
        raise NotFound(f"no archived segment '{path}'")
    return FileResponse(
        found, media_type=HLS_MEDIA_TYPES[relative.suffix], headers={"Cache-Control": SEGMENT_CACHE}
    )


def playback_path(path: str, playback: Playback) -> str:
    """``path`` below ``/hls/`` as allowed unsigned, or signed: its token checked (for
    ``/hls/<slug>/``) and its ``s/<expires>/<token>/`` taken off."""
    if not is_signed_shape(path):
        playback.check_unsigned()
        return path
    signed = split_signed(path.removeprefix(SIGNED_PREFIX))
    slug = hls_slug(signed.rest) if signed is not None else None
    if signed is None or slug is None:
        raise PlaybackDenied("not a signed playback path: use the URL the API gives")
    playback.check_signed(signed, hls_resource(slug))
    return signed.rest


def is_signed_shape(path: str) -> bool:
    """``s/<expires>/<token>/<slug>/<file>`` or deeper: more parts than any unsigned live path,
    and digits where a channel with the slug ``s`` has ``archive`` or a rendition."""
    parts = path.split("/", 2)
    return (
        path.startswith(SIGNED_PREFIX)
        and path.count("/") > MAX_HLS_DEPTH
        and len(parts) > 1
        and parts[1].isdigit()
    )


router.add_api_route(
    "/hls/{path:path}",
    hls_get,
    methods=["HEAD"],
    response_class=FileResponse,
    include_in_schema=False,
)


@router.options("/hls/{path:path}", status_code=204, response_class=Response)
async def hls_preflight(path: str) -> Response:
    """Answered by ``SecurityHeaders`` before routing; declared here for the API document."""
    return Response(status_code=204, headers=MEDIA_PREFLIGHT)
