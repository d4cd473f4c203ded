"""What routes may ask for, as ``Annotated`` dependencies on ``app.state``.

``create_app`` puts these on ``app.state`` in its lifespan: ``settings``,
``database``, ``channels`` (ChannelRepository), ``events`` (EventRepository),
``bus`` (EventBus), ``engine`` (``None`` when no engine runs here) and
``channel_pages`` (the channel list pages being built, shared by identical requests),
``accounts`` (AccountService); ``create_app`` itself sets ``playback`` (how playback URLs are
signed and checked). ``request.state.principal`` is the authenticated caller.

Each is ``async def`` although none waits: FastAPI runs a plain ``def``
dependency in its thread pool, a thread hop per dependency per request.
"""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, cast

from fastapi import Depends, Request

from streamfleet.accounts.principal import Principal
from streamfleet.accounts.service import AccountService
from streamfleet.api.errors import EngineUnavailable, UnsupportedMediaType
from streamfleet.api.playback import UNSIGNED, Playback
from streamfleet.api.schemas.channels import ChannelPage
from streamfleet.config import Settings
from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.db.repositories.archive_locks import ArchiveLockRepository
from streamfleet.db.repositories.channels import ChannelRepository
from streamfleet.db.repositories.events import EventRepository
from streamfleet.db.repositories.exports import ExportRepository
from streamfleet.db.session import Database
from streamfleet.domain.errors import InvalidInput, Unauthenticated
from streamfleet.domain.text import MESSAGE as TEXT_MESSAGE
from streamfleet.domain.text import surrogate_path
from streamfleet.engine.control import EngineControl
from streamfleet.events.bus import EventBus
from streamfleet.shared_reads import SharedReads
from streamfleet.storage.archive_bucket import ArchiveBucket


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_database(request: Request) -> Database:
    return cast(Database, request.app.state.database)


async def get_channels(request: Request) -> ChannelRepository:
    return cast(ChannelRepository, request.app.state.channels)


async def get_archive(request: Request) -> ArchiveRepository:
    return ArchiveRepository(request.app.state.database.sessions)


async def get_exports(request: Request) -> ExportRepository:
    return ExportRepository(request.app.state.database.sessions)


async def get_locks(request: Request) -> ArchiveLockRepository:
    return ArchiveLockRepository(request.app.state.database.sessions)


async def get_events(request: Request) -> EventRepository:
    return cast(EventRepository, request.app.state.events)


async def get_channel_pages(request: Request) -> SharedReads[ChannelPage]:
    return cast(SharedReads[ChannelPage], request.app.state.channel_pages)


async def get_playback(request: Request) -> Playback:
    return cast(Playback, getattr(request.app.state, "playback", UNSIGNED))


async def get_archive_bucket(request: Request) -> ArchiveBucket | None:
    """The archive's objects (``archive_to_s3``), or ``None``."""
    return cast(ArchiveBucket | None, getattr(request.app.state, "archive_bucket", None))


async def get_bus(request: Request) -> EventBus:
    return cast(EventBus, request.app.state.bus)


async def get_engine(request: Request) -> EngineControl | None:
    return cast(EngineControl | None, getattr(request.app.state, "engine", None))


async def require_engine(request: Request) -> EngineControl:
    engine = await get_engine(request)
    if engine is None:
        raise EngineUnavailable("no stream engine runs in this process")
    return engine


async def get_accounts(request: Request) -> AccountService:
    return cast(AccountService, request.app.state.accounts)


async def get_principal(request: Request) -> Principal:
    """The caller ``api/access_control.py`` authenticated (routes open to anyone have none)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthenticated("log in, or send Authorization: Bearer <token>")
    return principal


async def require_json(request: Request) -> None:
    """415 unless the body is declared as JSON (or not declared at all)."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(f"send the body as application/json, not {media_type}")
    body = await request.body()
    if b"\\u" in body.lower():  # only an escape can carry a lone surrogate into JSON text
        with contextlib.suppress(ValueError, RecursionError):
            field = surrogate_path(json.loads(body))
            if field is not None:
                raise InvalidInput.of(field, TEXT_MESSAGE)


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ChannelsDep = Annotated[ChannelRepository, Depends(get_channels)]
EventsDep = Annotated[EventRepository, Depends(get_events)]
ArchiveDep = Annotated[ArchiveRepository, Depends(get_archive)]
ExportsDep = Annotated[ExportRepository, Depends(get_exports)]
LocksDep = Annotated[ArchiveLockRepository, Depends(get_locks)]
BusDep = Annotated[EventBus, Depends(get_bus)]
PlaybackDep = Annotated[Playback, Depends(get_playback)]
ArchiveBucketDep = Annotated[ArchiveBucket | None, Depends(get_archive_bucket)]
ChannelPagesDep = Annotated[SharedReads[ChannelPage], Depends(get_channel_pages)]
EngineOrNoneDep = Annotated[EngineControl | None, Depends(get_engine)]
EngineDep = Annotated[EngineControl, Depends(require_engine)]
AccountsDep = Annotated[AccountService, Depends(get_accounts)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
JsonBody = Depends(require_json)
