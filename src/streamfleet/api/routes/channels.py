"""``/api/v1/channels``: list, get, create, update, delete, import, export and actions.

Routes validate with ``domain.channel_rules``, store through the
``ChannelRepository``, tell the engine (when one runs here) and publish
``channel_created/updated/deleted`` on the bus. No SQL here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from streamfleet.api import audit
from streamfleet.api.channel_view import PublishPoint, channel_source, channel_view, observe
from streamfleet.api.deps import (
    ArchiveDep,
    BusDep,
    ChannelPagesDep,
    ChannelsDep,
    EngineDep,
    EngineOrNoneDep,
    EventsDep,
    JsonBody,
    LocksDep,
    PlaybackDep,
    SettingsDep,
)
from streamfleet.api.params import Offset, RowId
from streamfleet.api.playback import UNSIGNED, Playback
from streamfleet.api.routes.events import EventFilters, event_page
from streamfleet.api.schemas.channels import (
    ChannelCreate,
    ChannelOut,
    ChannelPage,
    ChannelSourceOut,
    ChannelUpdate,
    ImportErrorOut,
    ImportResult,
    LogOut,
)
from streamfleet.api.schemas.commands import COMMAND_RESPONSES, LOG_RESPONSES
from streamfleet.api.schemas.events import EventPage
from streamfleet.config import Settings
from streamfleet.db.repositories.channel_import import import_channels
from streamfleet.db.repositories.channels import ChannelRecord, ImportOutcome
from streamfleet.domain.audit import AuditAction, Changes
from streamfleet.domain.capacity import overflow
from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_import import ImportFormat, render_yaml
from streamfleet.domain.channel_rules import (
    new_stream_key_for_patch,
    parse_channel_patch,
    parse_channel_spec,
    with_new_stream_key,
)
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.status import Status
from streamfleet.domain.url_policy import unmasked
from streamfleet.engine.control import EngineControl
from streamfleet.events.bus import EventBus
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.logs import redact_text
from streamfleet.storage.archive_files import remove_channel_archive

router = APIRouter(prefix="/api/v1", tags=["channels"])

IMPORT_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The M3U/M3U8 playlist or YAML file itself (any content type, UTF-8).",
        "content": {
            "text/plain": {"schema": {"type": "string"}},
            "application/yaml": {"schema": {"type": "string"}},
            "audio/x-mpegurl": {"schema": {"type": "string"}},
        },
    }
}

EXPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "channels"],
    "properties": {
        "version": {"type": "integer"},
        "channels": {"type": "array", "items": {"type": "object"}},
    },
}
"""The YAML document of ``GET /channels/export`` (``domain.channel_import.render_yaml``)."""


class Viewer:
    """Turns records into ``ChannelOut`` with this process's engine and publish host.

    Secrets are masked for every caller (``channel_view``); ``playback`` signs the playback
    URLs when signing is on.
    """

    def __init__(
        self, settings: Settings, engine: EngineControl | None, *, playback: Playback = UNSIGNED
    ) -> None:
        self.engine = engine
        self.point = PublishPoint.of(settings)
        self.playback = playback

    async def one(self, record: ChannelRecord, *, stream_key: str | None = None) -> ChannelOut:
        """``stream_key``: a key just made for the channel, shown in this answer only."""
        observed = await observe(self.engine, [record])
        return channel_view(
            record,
            observed=observed,
            point=self.point,
            playback=self.playback,
            stream_key=stream_key,
        )

    async def many(self, records: Sequence[ChannelRecord]) -> list[ChannelOut]:
        """The records as the API shows them; the engine is asked once for all of them."""
        observed = await observe(self.engine, records)
        return [
            channel_view(r, observed=observed, point=self.point, playback=self.playback)
            for r in records
        ]


async def viewer(settings: SettingsDep, engine: EngineOrNoneDep, playback: PlaybackDep) -> Viewer:
    """An ``async`` dependency: a plain class would be built in the thread pool per request."""
    return Viewer(settings, engine, playback=playback)


ViewerDep = Annotated[Viewer, Depends(viewer)]


@router.get("/channels", response_model=ChannelPage)
async def channels_list(
    channels: ChannelsDep,
    view: ViewerDep,
    pages: ChannelPagesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[
        str | None, Query(max_length=100, description="one status or a comma-separated list")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="matches name and slug")] = None,
) -> ChannelPage:
    """Identical requests that arrive while one is being answered share its answer."""
    statuses = _statuses(status)

    async def build() -> ChannelPage:
        page = await channels.list_page(limit=limit, offset=offset, tag=tag, statuses=statuses, q=q)
        return ChannelPage(
            items=await view.many(page.items), total=page.total, limit=limit, offset=offset
        )

    key = (limit, offset, tag, tuple(statuses), q, channels.writes)
    return await pages.run(key, build)


@router.get(
    "/channels/export",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {"schema": EXPORT_SCHEMA}}}},
)
async def channels_export(request: Request, channels: ChannelsDep) -> Response:
    """Every channel's configuration as YAML that ``POST /channels/import`` accepts.

    Secrets included (full source URLs, passphrases): the file exists to be imported
    again, and a masked URL would come back as ``***``. Operators and up; audited."""
    records = await channels.all()
    text = render_yaml(records)
    changes = audit.plain_changes({"exported": len(records)})
    await audit.record(request, AuditAction.CHANNEL_EXPORT, "channel", None, None, changes)
    return Response(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": 'attachment; filename="streamfleet-channels.yaml"'},
    )


@router.post(
    "/channels/import",
    response_model=ImportResult,
    openapi_extra=IMPORT_BODY_DOC,
    responses={422: {"description": "bad entries; nothing imported (unless partial=true)"}},
)
async def channels_import(
    request: Request,
    channels: ChannelsDep,
    bus: BusDep,
    view: ViewerDep,
    settings: SettingsDep,
    format: Annotated[
        ImportFormat | None, Query(description="m3u or yaml; guessed from the content if absent")
    ] = None,
    partial: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import channels from an M3U/M3U8 playlist or a YAML export, all or nothing.

    Enabled channels beyond the server's channel capacity are imported and wait
    ``queued``; the answer counts them in ``queued`` and says so in ``warnings``."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput.of("body", "must be UTF-8 text") from None
    outcome = await import_channels(channels, text, fmt=format, partial=partial, dry_run=dry_run)
    if not outcome.dry_run:
        for record in outcome.channels:
            await _announce(bus, view, EventType.CHANNEL_CREATED, record)
            await _apply(view.engine, record.channel)
            await asyncio.sleep(0)  # neither awaits I/O: let other requests in between channels
        await _audit_import(request, outcome)
    queued, warnings = await _capacity_check(channels, view.engine, settings, outcome)
    return ImportResult(
        imported=len(outcome.channels),
        channels=await view.many(outcome.channels),
        errors=[
            ImportErrorOut(line=e.line, field=e.field, message=e.message) for e in outcome.errors
        ],
        dry_run=outcome.dry_run,
        queued=queued,
        warnings=warnings,
    )


@router.get("/channels/{channel_id}", response_model=ChannelOut)
async def channels_get(channel_id: RowId, channels: ChannelsDep, view: ViewerDep) -> ChannelOut:
    return await view.one(await channels.get(channel_id))


@router.get("/channels/{channel_id}/source", response_model=ChannelSourceOut)
async def channels_reveal(
    request: Request, channel_id: RowId, channels: ChannelsDep, settings: SettingsDep
) -> ChannelSourceOut:
    """The channel's source URLs, SRT passphrase and publish URL in full (every other answer
    masks them). Operators and up; each read is audited (``channel.reveal``)."""
    record = await channels.get(channel_id)
    await _audit(request, AuditAction.CHANNEL_REVEAL, record)
    return channel_source(record.channel, PublishPoint.of(settings))


@router.post(
    "/channels",
    response_model=ChannelOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
)
async def channels_create(
    request: Request, body: ChannelCreate, channels: ChannelsDep, bus: BusDep, view: ViewerDep
) -> ChannelOut:
    """A ``push_rtmp`` channel's stream key is in this answer only (``stream_key``)."""
    spec, stream_key = with_new_stream_key(parse_channel_spec(body.raw()))
    record = await channels.create(spec)
    await _audit(
        request, AuditAction.CHANNEL_CREATE, record, audit.channel_changes(None, record.channel)
    )
    await _announce(bus, view, EventType.CHANNEL_CREATED, record)
    await _apply(view.engine, record.channel)
    return await view.one(record, stream_key=stream_key)


@router.patch("/channels/{channel_id}", response_model=ChannelOut, dependencies=[JsonBody])
async def channels_update(
    request: Request,
    channel_id: RowId,
    body: ChannelUpdate,
    channels: ChannelsDep,
    bus: BusDep,
    view: ViewerDep,
) -> ChannelOut:
    """A switch to ``push_rtmp`` makes a stream key, shown in this answer only."""
    changes = parse_channel_patch(body.raw())
    before = await channels.get(channel_id)
    _keep_masked_secrets(changes, before.channel)
    stream_key = new_stream_key_for_patch(before.channel, changes)
    record = await channels.update(channel_id, changes)
    await _audit(
        request,
        AuditAction.CHANNEL_UPDATE,
        record,
        audit.channel_changes(before.channel, record.channel),
    )
    await _announce(bus, view, EventType.CHANNEL_UPDATED, record)
    await _apply(view.engine, record.channel)
    return await view.one(record, stream_key=stream_key)


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def channels_delete(
    request: Request,
    channel_id: RowId,
    channels: ChannelsDep,
    bus: BusDep,
    engine: EngineOrNoneDep,
    archive: ArchiveDep,
    locks: LocksDep,
    settings: SettingsDep,
    keep_archive: Annotated[
        bool, Query(description="keep the channel's recordings (retention removes them in time)")
    ] = False,
) -> Response:
    """Delete the channel, its live output, its locks (nobody could delete them after) and,
    unless ``keep_archive``, its recordings."""
    channel = await channels.delete(channel_id)
    await audit.record(
        request,
        AuditAction.CHANNEL_DELETE,
        "channel",
        channel.id,
        channel.slug,
        audit.channel_changes(channel, None),
    )
    if engine is not None:
        await engine.forget(channel.id)
    await locks.delete_channel(channel.id)
    if keep_archive:
        await archive.detach_channel(channel.id)
    else:
        await asyncio.to_thread(remove_channel_archive, settings.archive_dir, channel.slug)
        await archive.delete_channel(channel.id)
    await bus.publish(Envelope(EventType.CHANNEL_DELETED, channel.slug, {"id": channel.id}))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/channels/{channel_id}/start",
    response_model=ChannelOut,
    status_code=202,
    responses=COMMAND_RESPONSES,
)
async def channels_start(
    request: Request,
    channel_id: RowId,
    channels: ChannelsDep,
    engine: EngineDep,
    bus: BusDep,
    view: ViewerDep,
) -> ChannelOut:
    """Mark the channel enabled (it stays on across restarts) and start it."""
    record = await _set_enabled(channels, bus, view, channel_id, enabled=True)
    await _audit(request, AuditAction.CHANNEL_START, record)  # also when the answer is a command
    await engine.start_channel(record.channel)
    return await view.one(record)


@router.post(
    "/channels/{channel_id}/stop",
    response_model=ChannelOut,
    status_code=202,
    responses=COMMAND_RESPONSES,
)
async def channels_stop(
    request: Request,
    channel_id: RowId,
    channels: ChannelsDep,
    engine: EngineDep,
    bus: BusDep,
    view: ViewerDep,
) -> ChannelOut:
    """Mark the channel disabled (it stays off across restarts) and stop it."""
    record = await _set_enabled(channels, bus, view, channel_id, enabled=False)
    await _audit(request, AuditAction.CHANNEL_STOP, record)  # also when the answer is a command
    await engine.stop_channel(record.channel.id)
    return await view.one(record)


@router.post(
    "/channels/{channel_id}/restart",
    response_model=ChannelOut,
    status_code=202,
    responses=COMMAND_RESPONSES,
)
async def channels_restart(
    request: Request,
    channel_id: RowId,
    channels: ChannelsDep,
    engine: EngineDep,
    bus: BusDep,
    view: ViewerDep,
) -> ChannelOut:
    """Mark the channel enabled and restart its FFmpeg."""
    record = await _set_enabled(channels, bus, view, channel_id, enabled=True)
    await _audit(request, AuditAction.CHANNEL_RESTART, record)  # also when the answer is a command
    await engine.restart_channel(record.channel)
    return await view.one(record)


@router.get("/channels/{channel_id}/log", response_model=LogOut, responses=LOG_RESPONSES)
async def channels_log(channel_id: RowId, channels: ChannelsDep, engine: EngineDep) -> LogOut:
    """The last FFmpeg stderr lines (at most 200, oldest first), secrets redacted."""
    record = await channels.get(channel_id)
    lines = await engine.log_tail(record.channel.id)
    return LogOut(lines=[redact_text(line) for line in lines])


@router.get("/channels/{channel_id}/events", response_model=EventPage)
async def channels_events(
    channel_id: RowId,
    channels: ChannelsDep,
    events: EventsDep,
    filters: Annotated[EventFilters, Depends()],
) -> EventPage:
    await channels.get(channel_id)
    return await event_page(events, filters, channel_id=channel_id)


# Helpers -------------------------------------------------------------------------------------


def _statuses(text: str | None) -> list[Status]:
    if not text:
        return []
    names = [part.strip() for part in text.split(",") if part.strip()]
    try:
        return [Status(name) for name in names]
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise InvalidInput.of("status", f"must be one or more of {allowed}") from None


def _keep_masked_secrets(changes: dict[str, Any], stored: Channel) -> None:
    """A source URL sent back as answers show it (masked, unchanged) keeps the stored one."""
    for field in ("input_url", "backup_url"):
        sent = changes.get(field)
        if isinstance(sent, str):
            changes[field] = unmasked(sent, getattr(stored, field))


async def _set_enabled(
    channels: ChannelsDep, bus: EventBus, view: Viewer, channel_id: RowId, *, enabled: bool
) -> ChannelRecord:
    record = await channels.get(channel_id)
    if record.channel.enabled == enabled:
        return record
    record = await channels.update(channel_id, {"enabled": enabled})
    await _announce(bus, view, EventType.CHANNEL_UPDATED, record)
    return record


async def _audit(
    request: Request, action: AuditAction, record: ChannelRecord, changes: Changes | None = None
) -> None:
    channel = record.channel
    await audit.record(request, action, "channel", channel.id, channel.slug, changes)


async def _audit_import(request: Request, outcome: ImportOutcome) -> None:
    """One entry per import that added channels: how many and their slugs."""
    if outcome.dry_run or not outcome.channels:
        return
    slugs = [record.channel.slug for record in outcome.channels]
    changes = audit.plain_changes({"imported": len(slugs), "slugs": slugs})
    await audit.record(request, AuditAction.CHANNEL_IMPORT, "channel", None, None, changes)


async def _announce(bus: EventBus, view: Viewer, kind: EventType, record: ChannelRecord) -> None:
    data = (await view.one(record)).model_dump(mode="json")
    await bus.publish(Envelope(kind, record.channel.slug, data))


async def _capacity_check(
    channels: ChannelsDep, engine: EngineControl | None, settings: Settings, outcome: ImportOutcome
) -> tuple[int, list[str]]:
    """How many imported channels wait for capacity (would, for a dry run), and the warning."""
    if engine is None:  # no engine here: the channels run elsewhere
        return 0, []
    added = [record.channel.enabled for record in outcome.channels]
    enabled_now = await channels.count(enabled_only=True)
    before = enabled_now if outcome.dry_run else enabled_now - sum(added)
    capacity = settings.engine_capacity
    queued = overflow(capacity, before, added)
    if queued == 0:
        return 0, []
    wait = "would wait" if outcome.dry_run else "wait"
    return queued, [
        f"{before + sum(added)} enabled channels exceed this server's capacity of {capacity} "
        f"(STREAMFLEET_ENGINE_CAPACITY): {queued} of the imported channels {wait} queued "
        "until running channels stop"
    ]


async def _apply(engine: EngineControl | None, channel: Channel) -> None:
    if engine is not None:
        await engine.apply(channel)
