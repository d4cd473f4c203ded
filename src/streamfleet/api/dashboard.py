"""Serves the built dashboard (``streamfleet/static``) with a single-page-app fallback.

Any GET outside the API and media paths that names no file answers
``index.html``, so client-side routes (``/channels/news-hd``) survive a reload.
Without a built dashboard, ``/`` explains how to build it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
NOT_DASHBOARD_PREFIXES: Final = ("api/", "hls/", "thumbs/", "metrics", "healthz", "readyz")
NOT_BUILT_PAGE: Final = (
    "<!doctype html><title>streamfleet</title><h1>streamfleet</h1>"
    "<p>The dashboard is not built. Run <code>make build</code> (or <code>make run</code>).</p>"
    '<p>The API is at <a href="/api/docs">/api/docs</a>.</p>'
)


def mount_dashboard(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Add the catch-all dashboard route; call it after every other router."""
    root = static_dir.resolve()

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def dashboard(path: str) -> FileResponse | HTMLResponse:
        if path.startswith(NOT_DASHBOARD_PREFIXES):
            raise StarletteHTTPException(404, "Not Found")
        index = root / "index.html"
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                return FileResponse(candidate, headers=_cache_headers(path))
            if "." in path.rsplit("/", 1)[-1]:
                raise StarletteHTTPException(404, "Not Found")
        if not index.is_file():
            return HTMLResponse(NOT_BUILT_PAGE)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


def _cache_headers(path: str) -> dict[str, str]:
    if path.startswith("assets/"):
        return {"Cache-Control": "public, max-age=31536000, immutable"}
    return {"Cache-Control": "no-cache"}
