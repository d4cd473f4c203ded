"""Channel settings reach the engine's thumbnailer as domain values through ``EngineControl``."""

from __future__ import annotations

from typing import Any

from streamfleet.domain.content_check import ContentCheck
from streamfleet.engine.builder import assemble_engine
from streamfleet.engine.media_watch import WatchConfig
from streamfleet.events.bus import InProcessBus
from tests.support.server import ApiClient


async def create(api: ApiClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "News", "input_url": "udp://239.0.0.1:1234", "enabled": False, **fields}
    response = await api.post("/api/v1/channels", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_created_changed_and_deleted_settings_reach_the_thumbnailer(
    engine_api: ApiClient,
) -> None:
    """The thumbnailer's interval and checks follow the API's writes; nothing reads API JSON."""
    thumbnailer = engine_api.app.state.engine.thumbnailer
    created = await create(engine_api, thumbnail_interval_s=7, content_checks=["black"])
    slug = created["slug"]
    assert thumbnailer.config_of(slug) == WatchConfig(7.0, frozenset({ContentCheck.BLACK}))

    changes = {"thumbnail_interval_s": 9, "content_checks": ["freeze", "silence"]}
    response = await engine_api.patch(f"/api/v1/channels/{created['id']}", json=changes)
    assert response.status_code == 200, response.text
    checks = frozenset({ContentCheck.FREEZE, ContentCheck.SILENCE})
    assert thumbnailer.config_of(slug) == WatchConfig(9.0, checks)

    assert (await engine_api.delete(f"/api/v1/channels/{created['id']}")).status_code == 204
    assert thumbnailer.config_of(slug) is None


async def test_channels_stored_before_the_start_are_configured_when_the_engine_starts(
    api: ApiClient,
) -> None:
    """An engine built on the stored channels knows each one's settings from its first tick."""
    created = await create(api, thumbnail_interval_s=5)
    settings = api.app.state.settings
    engine = assemble_engine(settings, InProcessBus(), None, api.app.state.channels.all)
    await engine.start()
    try:
        assert engine.thumbnailer.config_of(created["slug"]) == WatchConfig(5.0)
    finally:
        await engine.stop()
