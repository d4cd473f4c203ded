"""``/hls/<slug>/…``: the HLS files the engine writes, with the seed's nginx headers.

Playlists ``application/vnd.apple.mpegurl`` with ``Cache-Control: no-cache``;
segments ``video/mp2t`` (``video/mp4`` for fMP4) with ``max-age=3600``; CORS
``*`` on every answer and the ``OPTIONS`` preflight answered ``204``. Only
``<slug>/<file>`` or ``<slug>/<rendition>/<file>`` with a media extension is
served; ``..`` (raw or ``%2e%2e``), absolute paths and symlinks that leave the
HLS root are 404. Needs only ``Settings`` (``app.state.settings``).
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse

from streamfleet.api.deps import SettingsDep
from streamfleet.domain.errors import NotFound
from streamfleet.storage.hls_paths import HLS_MEDIA_TYPES, hls_relative_path, resolve_hls_file

router = APIRouter(tags=["media"])

PLAYLIST_CACHE: Final = "no-cache"
SEGMENT_CACHE: Final = "max-age=3600"
CORS_HEADERS: Final[dict[str, str]] = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS: Final[dict[str, str]] = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": (
        "DNT,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range"
    ),
    "Access-Control-Max-Age": "1728000",
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
        404: {"description": "no such file, or a path that is not allowed"},
    },
)
async def hls_get(path: str, settings: SettingsDep) -> FileResponse:
    relative = hls_relative_path(path)
    found = resolve_hls_file(settings.hls_dir, relative) if relative is not None else None
    if relative is None or found is None:
        raise NotFound(f"no HLS file '{path}'")
    suffix = relative.suffix
    cache = PLAYLIST_CACHE if suffix == ".m3u8" else SEGMENT_CACHE
    return FileResponse(
        found,
        media_type=HLS_MEDIA_TYPES[suffix],
        headers={**CORS_HEADERS, "Cache-Control": cache},
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
    return Response(status_code=204, headers=PREFLIGHT_HEADERS)
