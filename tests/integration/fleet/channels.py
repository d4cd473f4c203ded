"""What fleet tests ask an API node about channels: the listing, a channel's events."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess


def listing(api: ServerProcess) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{api.base_url}/api/v1/channels", params={"limit": 100}, headers=api.headers
    )
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def online(api: ServerProcess, count: int) -> dict[int, dict[str, Any]] | None:
    """The channels by id once there are ``count`` of them and all are online."""
    items = listing(api)
    if len(items) == count and all(c["state"]["status"] == "online" for c in items):
        return {c["id"]: c for c in items}
    return None


async def create_channels(api: ServerProcess, feeders: Feeders, names: list[str]) -> list[int]:
    """One channel per name, each pulling a feeder of its own; their ids."""
    ids = []
    async with api.async_client() as client:
        for name in names:
            feeder = await feeders.start()
            created = await client.post(
                "/api/v1/channels", json={"name": name, "input_url": channel_url(feeder)}
            )
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
    return ids


def moves(api: ServerProcess, channel_id: int) -> list[dict[str, Any]]:
    """The channel's ``moved`` events, oldest first."""
    answer = httpx.get(
        f"{api.base_url}/api/v1/channels/{channel_id}/events",
        params={"type": "moved"},
        headers=api.headers,
    )
    assert answer.status_code == 200, answer.text
    return list(reversed(answer.json()["items"]))
