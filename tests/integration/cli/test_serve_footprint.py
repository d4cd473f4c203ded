"""What a running ``streamfleet serve`` keeps loaded: no library it does not use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from streamfleet.engine.demo import DEMO_FEEDS
from tests.support.media import free_udp_port_block
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until
from tests.support.wall_viewer import showing_tiles

THUMBNAILS_TIMEOUT_S = 60.0


def loaded_files(pid: int) -> set[str]:
    """The files mapped into the process (its shared libraries and extension modules)."""
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {line.split(maxsplit=5)[5] for line in lines if len(line.split(maxsplit=5)) == 6}


async def test_a_server_making_thumbnails_loads_neither_numpy_nor_matplotlib(
    server_factory: Callable[..., ServerProcess],
) -> None:
    """numpy is for content checks only (off by default); matplotlib is for the benchmark."""
    env = {"STREAMFLEET_DEMO_PORT_BASE": str(free_udp_port_block(len(DEMO_FEEDS)))}
    server = server_factory(demo=True, env=env)

    def listed() -> list[dict[str, Any]]:
        answer = httpx.get(f"{server.base_url}/api/v1/channels", headers=server.headers)
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    def thumbnails() -> list[dict[str, Any]] | None:
        items = listed()
        served = [
            httpx.get(f"{server.base_url}{item['urls']['thumbnail']}").status_code == 200
            for item in items
        ]
        return items if items and all(served) else None

    await wait_until(lambda: len(listed()) == 4, THUMBNAILS_TIMEOUT_S, "the four demo channels")
    slugs = [c["slug"] for c in listed()]
    # Thumbnails are made for tiles on screen.
    async with showing_tiles(server.base_url, slugs, headers=server.headers):
        await wait_until(thumbnails, THUMBNAILS_TIMEOUT_S, "a thumbnail for every demo channel")
    files = loaded_files(server.process.pid)
    assert any("/av/" in f or "av.libs" in f for f in files), "thumbnails decode with PyAV"
    assert not [f for f in files if "/numpy" in f]
    assert not [f for f in files if "matplotlib" in f]
