"""What routes may ask for, as ``Annotated`` dependencies on ``app.state``.

``create_app`` puts these on ``app.state`` in its lifespan: ``settings``,
``database``, ``channels`` (ChannelRepository), ``events`` (EventRepository),
``bus`` (EventBus) and ``engine`` (``None`` when no engine runs here).
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from streamfleet.api.errors import EngineUnavailable, UnsupportedMediaType
from streamfleet.config import Settings
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.session import Database
from streamfleet.engine.control import EngineControl
from streamfleet.events.bus import EventBus


def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_database(request: Request) -> Database:
    return cast(Database, request.app.state.database)


def get_channels(request: Request) -> ChannelRepository:
    return cast(ChannelRepository, request.app.state.channels)


def get_events(request: Request) -> EventRepository:
    return cast(EventRepository, request.app.state.events)


def get_bus(request: Request) -> EventBus:
    return cast(EventBus, request.app.state.bus)


def get_engine(request: Request) -> EngineControl | None:
    return cast(EngineControl | None, getattr(request.app.state, "engine", None))


def require_engine(request: Request) -> EngineControl:
    engine = get_engine(request)
    if engine is None:
        raise EngineUnavailable("no stream engine runs in this process")
    return engine


def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON (or not declared at all)."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(f"send the body as application/json, not {media_type}")


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ChannelsDep = Annotated[ChannelRepository, Depends(get_channels)]
EventsDep = Annotated[EventRepository, Depends(get_events)]
BusDep = Annotated[EventBus, Depends(get_bus)]
EngineOrNoneDep = Annotated[EngineControl | None, Depends(get_engine)]
EngineDep = Annotated[EngineControl, Depends(require_engine)]
JsonBody = Depends(require_json)
