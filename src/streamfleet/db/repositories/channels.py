"""Channels in the database: list, get, create, update, delete and bulk insert.

Returns ``ChannelRecord`` (the domain ``Channel`` plus its observed status
columns) and raises domain errors: ``NotFound``, ``Conflict`` (a slug or SRT
port already used; ``field`` names which), ``InvalidInput``. The repository
derives slugs, assigns SRT listen ports and passphrases; every other rule is
``domain.channel_rules``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from streamfleet.db.base import utc_now
from streamfleet.db.models import ChannelRow
from streamfleet.db.repositories.page import Page
from streamfleet.db.repositories.slugs_and_ports import SlugsAndPorts
from streamfleet.db.session import transaction
from streamfleet.domain.channel import Channel, HlsOverrides, IngestMode
from streamfleet.domain.channel_import import ValidEntry
from streamfleet.domain.channel_rules import ChannelSpec, apply_patch
from streamfleet.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from streamfleet.domain.srt import stored_input_url
from streamfleet.domain.status import Status

ImportProgress = Callable[[int, int], None]
"""Called with (entries done, entries in all) while an import runs."""


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    """A stored channel and the status the engine last recorded for it."""

    channel: Channel
    status: Status
    status_since: datetime | None
    status_reason: str


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    channels: list[ChannelRecord]
    errors: list[FieldError]
    dry_run: bool


class _DryRun(Exception):
    def __init__(self, records: list[ChannelRecord]) -> None:
        self.records = records


class ChannelRepository:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, srt_port_range: tuple[int, int]
    ) -> None:
        self._sessions = sessions
        self._port_min, self._port_max = srt_port_range
        self.writes = 0
        """Write transactions this repository ended (committed or not): a read that must not
        miss a write in this process keys on it (``streamfleet.shared_reads``)."""

    # Reading ------------------------------------------------------------------------------

    async def list_page(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        tag: str | None = None,
        statuses: Sequence[Status] = (),
        q: str | None = None,
    ) -> Page[ChannelRecord]:
        """One page of channels in id order; ``q`` matches name or slug, case-insensitively."""
        async with transaction(self._sessions) as session:
            conditions = _filters(_dialect(session), tag=tag, statuses=statuses, q=q)
            total = await session.scalar(
                select(func.count()).select_from(ChannelRow).where(*conditions)
            )
            rows = await session.scalars(
                select(ChannelRow)
                .where(*conditions)
                .order_by(ChannelRow.id)
                .limit(limit)
                .offset(offset)
            )
            items = [_record(row) for row in rows]
        return Page(items, int(total or 0), limit, offset)

    async def get(self, channel_id: int) -> ChannelRecord:
        async with transaction(self._sessions) as session:
            row = await session.get(ChannelRow, channel_id)
            if row is None:
                raise NotFound(f"channel {channel_id} does not exist")
            return _record(row)

    async def get_by_slug(self, slug: str) -> ChannelRecord:
        async with transaction(self._sessions) as session:
            row = await session.scalar(select(ChannelRow).where(ChannelRow.slug == slug))
            if row is None:
                raise NotFound(f"channel '{slug}' does not exist")
            return _record(row)

    async def get_by_stream_key_hash(self, digest: str) -> ChannelRecord:
        """The ``push_rtmp`` channel whose stream key hashes to ``digest`` (``NotFound``)."""
        query = select(ChannelRow).where(ChannelRow.stream_key_sha256 == digest)
        async with transaction(self._sessions) as session:
            row = await session.scalar(query)
            if row is None or row.ingest_mode != IngestMode.PUSH_RTMP.value:
                raise NotFound("no channel has this stream key")
            return _record(row)

    async def all(self, *, enabled_only: bool = False) -> list[Channel]:
        """Every channel (or every enabled one) in id order: what an engine loads at start."""
        query = select(ChannelRow).order_by(ChannelRow.id)
        if enabled_only:
            query = query.where(ChannelRow.enabled.is_(True))
        async with transaction(self._sessions) as session:
            return [channel_of_row(row) for row in await session.scalars(query)]

    async def by_ids(self, channel_ids: Collection[int]) -> list[Channel]:
        """Those of ``channel_ids`` that exist, in id order (what a fleet worker holds)."""
        if not channel_ids:
            return []
        query = select(ChannelRow).where(ChannelRow.id.in_(channel_ids)).order_by(ChannelRow.id)
        async with transaction(self._sessions) as session:
            return [channel_of_row(row) for row in await session.scalars(query)]

    async def records(self) -> list[ChannelRecord]:
        """Every channel with its recorded status, in id order."""
        query = select(ChannelRow).order_by(ChannelRow.id)
        async with transaction(self._sessions) as session:
            return [_record(row) for row in await session.scalars(query)]

    async def count(self, *, enabled_only: bool = False) -> int:
        query = select(func.count()).select_from(ChannelRow)
        if enabled_only:
            query = query.where(ChannelRow.enabled.is_(True))
        async with transaction(self._sessions) as session:
            return int(await session.scalar(query) or 0)

    # Writing ------------------------------------------------------------------------------

    async def create(self, spec: ChannelSpec) -> ChannelRecord:
        async with self._write() as session:
            allocator = await SlugsAndPorts.load(session, self._port_min, self._port_max)
            row = _new_row(spec, allocator)
            session.add(row)
            await session.flush()
            return _record(row)

    async def update(self, channel_id: int, changes: dict[str, Any]) -> ChannelRecord:
        """Apply validated ``changes`` (from ``parse_channel_patch``) to one channel."""
        async with self._write() as session:
            row = await session.get(ChannelRow, channel_id, with_for_update=True)
            if row is None:
                raise NotFound(f"channel {channel_id} does not exist")
            spec = apply_patch(channel_of_row(row), changes)
            allocator = await SlugsAndPorts.load(session, self._port_min, self._port_max, but=row)
            slug = spec.slug or row.slug
            if slug != row.slug:
                allocator.claim_slug(slug)
            port, passphrase = allocator.listen_for(spec, current=row)
            _write_config(row, spec, slug=slug, port=port, passphrase=passphrase)
            row.updated_at = utc_now()
            await session.flush()
            return _record(row)

    async def set_stream_key_hash(self, channel_id: int, digest: str) -> ChannelRecord:
        """Replace a ``push_rtmp`` channel's stream key (the old one stops working)."""
        async with self._write() as session:
            row = await session.get(ChannelRow, channel_id, with_for_update=True)
            if row is None:
                raise NotFound(f"channel {channel_id} does not exist")
            if row.ingest_mode != IngestMode.PUSH_RTMP.value:
                raise InvalidInput.of("ingest_mode", "only a push_rtmp channel has a stream key")
            row.stream_key_sha256 = digest
            row.updated_at = utc_now()
            await session.flush()
            return _record(row)

    async def delete(self, channel_id: int) -> Channel:
        """Delete one channel (its events go with it); returns what was deleted."""
        async with self._write() as session:
            row = await session.get(ChannelRow, channel_id)
            if row is None:
                raise NotFound(f"channel {channel_id} does not exist")
            channel = channel_of_row(row)
            await session.delete(row)
            return channel

    async def import_entries(
        self,
        entries: Sequence[ValidEntry],
        *,
        errors: Sequence[FieldError] = (),
        partial: bool = False,
        dry_run: bool = False,
        progress: ImportProgress | None = None,
    ) -> ImportOutcome:
        """Insert ``entries`` in one transaction.

        ``errors`` are problems already found in the file. Any error (those, or a
        slug/port clash found here) with ``partial`` false raises ``InvalidInput``
        and writes nothing; with ``partial`` the good entries are written.
        ``dry_run`` does everything and then rolls back.
        """
        found = list(errors)
        try:
            async with self._write() as session:
                allocator = await SlugsAndPorts.load(session, self._port_min, self._port_max)
                allocator.reserve_slugs(e.spec.slug for e in entries if e.spec.slug)
                rows: list[ChannelRow] = []
                for done, entry in enumerate(entries, start=1):
                    try:
                        rows.append(_new_row(entry.spec, allocator, reserved=True))
                    except Conflict as exc:
                        found.append(FieldError(exc.field or "body", exc.message, entry.line))
                    except InvalidInput as exc:
                        found.extend(FieldError(e.field, e.message, entry.line) for e in exc.errors)
                    if progress is not None:
                        progress(done, len(entries))
                found.sort(key=lambda e: (e.line or 0, e.field))
                if found and not partial:
                    raise InvalidInput(found, detail=_import_detail(found))
                session.add_all(rows)
                await session.flush()
                records = [_record(row) for row in rows]
                if dry_run:
                    raise _DryRun(records)
        except _DryRun as rolled_back:
            return ImportOutcome(rolled_back.records, found, dry_run=True)
        return ImportOutcome(records, found, dry_run=False)

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncSession]:
        try:
            async with transaction(self._sessions) as session:
                yield session
        except IntegrityError as exc:
            raise _conflict_from(exc) from exc
        finally:
            self.writes += 1


def _new_row(spec: ChannelSpec, allocator: SlugsAndPorts, *, reserved: bool = False) -> ChannelRow:
    if spec.slug is not None:
        if reserved:
            allocator.reserved.discard(spec.slug)
        allocator.claim_slug(spec.slug)
        slug = spec.slug
    else:
        slug = allocator.derive_slug(spec.name)
    port, passphrase = allocator.listen_for(spec)
    now = utc_now()
    row = ChannelRow(created_at=now, updated_at=now, status=Status.STOPPED.value, status_reason="")
    _write_config(row, spec, slug=slug, port=port, passphrase=passphrase)
    return row


def _write_config(
    row: ChannelRow, spec: ChannelSpec, *, slug: str, port: int | None, passphrase: str | None
) -> None:
    row.slug = slug
    row.name = spec.name
    row.input_url = stored_input_url(port) if port is not None else (spec.input_url or "")
    if spec.ingest_mode is IngestMode.PUSH_RTMP:
        row.input_url = ""  # the engine pulls from nginx-rtmp (``domain.rtmp_push``)
    row.backup_url = spec.backup_url
    row.tags = list(spec.tags)
    row.enabled = spec.enabled
    row.ingest_mode = spec.ingest_mode.value
    row.listen_port = port
    row.passphrase = passphrase
    row.stream_key_sha256 = spec.stream_key_sha256
    row.profile = spec.profile
    row.hls_segment_seconds = spec.hls.segment_seconds
    row.hls_list_size = spec.hls.list_size
    row.recording = spec.recording
    row.retention_days = spec.retention_days
    row.retention_bytes = spec.retention_bytes
    row.thumbnail_interval_s = spec.thumbnail_interval_s
    row.offline_grace_s = spec.offline_grace_s
    row.content_checks = list(spec.content_checks)


# Rows to domain objects ------------------------------------------------------------------


def channel_of_row(row: ChannelRow) -> Channel:
    return Channel(
        id=row.id,
        slug=row.slug,
        name=row.name,
        input_url=row.input_url,
        backup_url=row.backup_url,
        tags=tuple(row.tags or ()),
        enabled=bool(row.enabled),
        ingest_mode=IngestMode(row.ingest_mode),
        listen_port=row.listen_port,
        passphrase=row.passphrase,
        stream_key_sha256=row.stream_key_sha256,
        profile=row.profile,
        hls=HlsOverrides(row.hls_segment_seconds, row.hls_list_size),
        recording=bool(row.recording),
        retention_days=row.retention_days,
        retention_bytes=row.retention_bytes,
        thumbnail_interval_s=row.thumbnail_interval_s,
        offline_grace_s=row.offline_grace_s,
        content_checks=tuple(row.content_checks or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _record(row: ChannelRow) -> ChannelRecord:
    return ChannelRecord(
        channel_of_row(row), Status(row.status), row.status_since, row.status_reason
    )


# Filters ---------------------------------------------------------------------------------


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _filters(
    dialect: str, *, tag: str | None, statuses: Sequence[Status], q: str | None
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if tag:
        conditions.append(_has_tag(dialect, tag))
    if statuses:
        conditions.append(ChannelRow.status.in_([s.value for s in statuses]))
    if q:
        pattern = "%" + _escape_like(q.lower()) + "%"
        conditions.append(
            or_(
                func.lower(ChannelRow.name).like(pattern, escape="\\"),
                ChannelRow.slug.like(pattern, escape="\\"),
            )
        )
    return conditions


def _has_tag(dialect: str, tag: str) -> ColumnElement[bool]:
    """``tag`` is one of the channel's tags: an exact JSON array membership test per backend."""
    if dialect == "postgresql":
        return cast(ColumnElement[bool], ChannelRow.tags.cast(JSONB).contains([tag]))
    if dialect in ("mysql", "mariadb"):
        return func.json_contains(ChannelRow.tags, func.json_quote(tag)) == 1
    each = func.json_each(ChannelRow.tags).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == tag))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _conflict_from(exc: IntegrityError) -> Conflict:
    message = str(exc.orig)
    if "listen_port" in message:
        return Conflict("listen_port is already used by another channel", field="listen_port")
    if "slug" in message:
        return Conflict("slug is already used by another channel", field="slug")
    if "stream_key_sha256" in message:
        return Conflict(
            "stream_key_sha256 is already used by another channel", field="stream_key_sha256"
        )
    return Conflict("the change clashes with an existing channel")


def _import_detail(errors: Sequence[FieldError]) -> str:
    lines = sorted({e.line for e in errors if e.line is not None})
    shown = ", ".join(str(n) for n in lines[:20]) + (" …" if len(lines) > 20 else "")
    return f"{len(errors)} problem(s) in the file (lines {shown}); nothing was imported"
