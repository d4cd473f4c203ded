"""The access table covers every route of the app, and nothing is open by accident."""

from __future__ import annotations

from pathlib import Path

from streamfleet.api.access import ANYONE, POLICY
from streamfleet.api.access_control import route_entries, route_template
from streamfleet.api.app import create_app
from streamfleet.config import Settings

OPEN_ROUTES = {
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/token"),
    ("GET", "/metrics"),
    ("GET", "/hls/{path:path}"),
    ("HEAD", "/hls/{path:path}"),
    ("OPTIONS", "/hls/{path:path}"),
    ("GET", "/hls/{prefix:path}/archive.m3u8"),
    ("GET", "/hls/{prefix:path}/timeshift.m3u8"),
    ("GET", "/thumbs/{slug}.jpg"),
    ("HEAD", "/thumbs/{slug}.jpg"),
    ("GET", "/thumbs/s/{expires}/{token}/{slug}.jpg"),
    ("HEAD", "/thumbs/s/{expires}/{token}/{slug}.jpg"),
    ("GET", "/{path:path}"),
    ("POST", "/api/v1/rtmp/on_publish"),  # nginx-rtmp's hook: its shared secret is the check
}
"""The issue's list of anonymous routes (and the dashboard's files): nothing else is open."""


def _app_routes(tmp_path: Path) -> set[tuple[str, str]]:
    app = create_app(Settings(data_dir=tmp_path, demo=False))
    return {(m, e.template) for e in route_entries(app.router.routes) for m in e.methods}


def test_every_route_of_the_app_has_a_row_in_the_access_table(tmp_path: Path) -> None:
    missing = sorted(_app_routes(tmp_path) - set(POLICY))
    assert missing == [], f"routes without an access rule (refused to everyone): {missing}"


def test_only_the_listed_routes_are_open_to_anyone() -> None:
    open_routes = {key for key, role in POLICY.items() if role is ANYONE}
    assert open_routes == OPEN_ROUTES


def test_the_route_found_for_a_request_is_the_one_the_router_picks(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, demo=False))
    entries = route_entries(app.router.routes)
    cases = {
        ("GET", "/api/v1/channels"): "/api/v1/channels",
        ("GET", "/api/v1/channels/export"): "/api/v1/channels/export",
        ("GET", "/api/v1/channels/7"): "/api/v1/channels/{channel_id}",
        ("POST", "/api/v1/channels/7/start"): "/api/v1/channels/{channel_id}/start",
        ("WS", "/api/v1/ws"): "/api/v1/ws",
        ("GET", "/hls/news/index.m3u8"): "/hls/{path:path}",
        ("GET", "/hls/news/archive.m3u8"): "/hls/{prefix:path}/archive.m3u8",
        ("GET", "/hls/s/1/t/news/720p/timeshift.m3u8"): "/hls/{prefix:path}/timeshift.m3u8",
        ("GET", "/hls/news/archive/2026-05-01/10/a1_1.ts"): "/hls/{path:path}",
        ("GET", "/thumbs/news.jpg"): "/thumbs/{slug}.jpg",
        ("GET", "/channels/news"): "/{path:path}",
        ("POST", "/api/v1/nothing-here"): None,
    }
    for (method, path), template in cases.items():
        assert route_template(entries, method, path) == template, (method, path)
