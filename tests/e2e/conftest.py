"""The dashboard in a real browser: Debian's Chromium driven by Playwright against ``serve``.

- ``browser``: one headless Chromium for the session (``/usr/bin/chromium``).
- ``page``: a fresh 1920x1080 page per test, logged in as the first-start ``admin`` of the
  test's server (``wall`` or ``streamfleet_server``): ``POST /api/v1/auth/login`` through the
  page's own request context, so the browser holds the session and CSRF cookies. A JavaScript
  error on it fails the test. ``anonymous_page`` is the same without logging in.
- ``admin_password(server)`` / ``admin_headers(server)``: the first-start admin's password (from
  ``data_dir/initial-admin.txt``) and a bearer header for API calls made by the tests.
- ``wall``: a ``streamfleet serve`` with 20 live channels on looped test feeds, shared by the
  tests of a module (starting 20 channels per test would cost minutes on two cores).
- ``artifacts``: ``tests/e2e/artifacts/`` for the screenshots every run leaves (not in git).

The server serves the built dashboard (``make build``); without it the tests skip, or fail
under ``CI=true``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, async_playwright

from streamfleet.accounts.first_admin import FIRST_ADMIN
from streamfleet.api.dashboard import STATIC_DIR
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess, start_server
from tests.support.services import service_unavailable
from tests.support.waiting import wait_until

CHROMIUM: Final = Path("/usr/bin/chromium")
CHROMIUM_ARGS: Final = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
VIEWPORT: Final[ViewportSize] = {"width": 1920, "height": 1080}
ARTIFACTS: Final = Path(__file__).resolve().parent / "artifacts"
WALL_CHANNELS: Final = 20
ONLINE_TIMEOUT_S: Final = 120.0
"""20 channels and their feeds start on a 2-core machine shared with other work."""


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def dashboard_built() -> None:
    if not (STATIC_DIR / "index.html").is_file():
        service_unavailable(f"the dashboard is not built in {STATIC_DIR}: run `make build`")


@pytest.fixture(scope="session")
async def browser(dashboard_built: None) -> AsyncIterator[Browser]:
    if not CHROMIUM.is_file():
        service_unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield chromium
        finally:
            await chromium.close()


def admin_password(server: ServerProcess) -> str:
    """The first-start admin's password (``ServerProcess.admin_password``)."""
    return server.admin_password


def admin_headers(server: ServerProcess) -> dict[str, str]:
    """``Authorization: Bearer …`` of the first-start admin (one token per server)."""
    return server.headers


async def log_in(page: Page, server: ServerProcess, username: str, password: str) -> None:
    """Log the page's browser context in (it keeps the session and CSRF cookies)."""
    answer = await page.request.post(
        f"{server.base_url}/api/v1/auth/login",
        data={"username": username, "password": password},
    )
    assert answer.status == 200, await answer.text()


async def _new_page(browser: Browser) -> tuple[BrowserContext, Page, list[str]]:
    context = await browser.new_context(viewport=VIEWPORT)
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, tab, errors


def _server_of(request: pytest.FixtureRequest) -> ServerProcess | None:
    """The server the test uses: its ``wall`` or its ``streamfleet_server``."""
    if "wall" in request.fixturenames:
        wall: Wall = request.getfixturevalue("wall")
        return wall.server
    if "signed_wall" in request.fixturenames:  # tests/e2e/test_security_headers.py
        signed_server: ServerProcess = request.getfixturevalue("signed_wall").server
        return signed_server
    if "streamfleet_server" in request.fixturenames:
        server: ServerProcess = request.getfixturevalue("streamfleet_server")
        return server
    return None


@pytest.fixture
async def anonymous_page(browser: Browser) -> AsyncIterator[Page]:
    context, tab, errors = await _new_page(browser)
    try:
        yield tab
    finally:
        await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context, tab, errors = await _new_page(browser)
    try:
        server = _server_of(request)
        if server is not None:
            await log_in(tab, server, FIRST_ADMIN, admin_password(server))
        yield tab
    finally:
        await context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@dataclass(frozen=True)
class Wall:
    server: ServerProcess
    channels: list[dict[str, Any]]

    def url(self, path: str = "/") -> str:
        return f"{self.server.base_url}{path}"


def _channels(server: ServerProcess) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{server.base_url}/api/v1/channels",
        params={"limit": 500},
        headers=admin_headers(server),
        timeout=5,
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def all_online(server: ServerProcess, count: int) -> list[dict[str, Any]] | None:
    """Every channel online, or ``None`` (for ``wait_until``). Thumbnails come once a page
    shows the tiles: the server makes them only for tiles on screen."""
    items = _channels(server)
    if len(items) != count or any(c["state"]["status"] != "online" for c in items):
        return None
    return items


@pytest.fixture(scope="module")
async def wall(
    tmp_path_factory: pytest.TempPathFactory,
    ffmpeg_path: str,
    test_clip: Path,
    dashboard_built: None,
) -> AsyncIterator[Wall]:
    """A server with 20 online channels (tags news/sport/movies), thumbnails every 5 s."""
    feeders = Feeders(ffmpeg_path, test_clip)
    server = start_server(tmp_path_factory.mktemp("wall"))
    try:
        server.wait_ready()
        tags = ("news", "sport", "movies")
        async with httpx.AsyncClient(
            base_url=server.base_url, headers=admin_headers(server), timeout=10
        ) as client:
            for number in range(1, WALL_CHANNELS + 1):
                feeder = await feeders.start()
                created = await client.post(
                    "/api/v1/channels",
                    json={
                        "name": f"Channel {number:02d}",
                        "input_url": channel_url(feeder),
                        "tags": [tags[number % len(tags)]],
                        "thumbnail_interval_s": 5,
                    },
                )
                assert created.status_code == 201, created.text
        items = await wait_until(
            lambda: all_online(server, WALL_CHANNELS),
            ONLINE_TIMEOUT_S,
            lambda: (
                f"{WALL_CHANNELS} channels online: "
                f"{[(c['slug'], c['state']['status']) for c in _channels(server)]}"
            ),
            interval_s=1.0,
        )
        yield Wall(server, items)
    finally:
        await feeders.close()
        server.stop()
