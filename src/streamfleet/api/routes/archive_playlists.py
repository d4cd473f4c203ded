"""Catch-up and timeshift playlists of a recording channel, written from the archive's index.

* ``/hls/<slug>/archive.m3u8?from=<ISO 8601>&to=<ISO 8601>``: a VOD playlist of the segments
  starting in ``[from, to)`` (at most a day). Without ``to``: an EVENT playlist from ``from``
  that grows as segments are recorded, and ends (``EXT-X-ENDLIST``) a day after ``from``.
* ``/hls/<slug>/timeshift.m3u8?delay=<seconds>``: a live window of the channel's list size
  that trails live by ``delay`` (1 s up to the channel's retention). Live is the end of the
  newest archived segment, or now when that is earlier (the recording stopped): FFmpeg's
  program date-times run ahead of the wall clock by the time it spent probing the source
  (over a second on a UDP source), and a window counted from the wall clock would trail the live
  playlist by that much more.

A ladder's archive has every rendition: these answer a master naming
``<rendition>/archive.m3u8?…`` (``<rendition>/timeshift.m3u8?…``), its variants. Segment URIs
are relative (``archive/<date>/<hour>/<name>``, served by ``api/routes/hls.py`` from the
archive), so under a signed ``/hls/s/<expires>/<token>/<slug>/…`` playlist the one token covers
the variants and every segment, as it does for live playlists. Bad input names its field
(``from``, ``to``, ``delay``); an unknown channel is 404. Anyone may fetch them, like live HLS
(the playback signature, when on, is the check). The playlists themselves are
``media/archive_playlist.py``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Response

from streamfleet.api.deps import ArchiveDep, ChannelsDep, PlaybackDep, SettingsDep
from streamfleet.api.playback import Playback
from streamfleet.api.routes.hls import PLAYBACK_REFUSALS, PLAYLIST_CACHE, playback_path
from streamfleet.config import Settings
from streamfleet.db.base import utc_now
from streamfleet.domain.archive import ArchivedSegment
from streamfleet.domain.archive_span import MAX_SPAN, MAX_SPAN_SEGMENTS, checked_span
from streamfleet.domain.channel import Channel
from streamfleet.domain.channel_rules import RETENTION_DAYS_RANGE
from streamfleet.domain.errors import InvalidInput, NotFound
from streamfleet.domain.zoned_time import zoned
from streamfleet.media.archive_playlist import (
    PlaylistType,
    Variant,
    archive_playlist,
    master_playlist,
    program_date_time,
    rendition_of,
    timeshift_window,
    variants_of,
    window_reach,
)
from streamfleet.media.public_playlist import target_duration_for
from streamfleet.storage.hls_paths import HLS_MEDIA_TYPES, hls_relative_path

router = APIRouter(tags=["hls"])

ARCHIVE_PLAYLIST: Final = "archive.m3u8"
TIMESHIFT_PLAYLIST: Final = "timeshift.m3u8"
PLAYLIST_TYPE: Final = HLS_MEDIA_TYPES[".m3u8"]
MIN_DELAY_S: Final = 1
MAX_DELAY_S: Final = RETENTION_DAYS_RANGE[1] * 86400
"""The longest retention a channel may have (the channel's own bounds it further)."""
LOOKBACK_TARGETS: Final = 2
"""A timeshift window holds segments starting at most ``list size x target x this`` before the
moment it trails to: older ones mean nothing was recorded then (``delay`` names it)."""

RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    200: {"description": "a playlist", "content": {PLAYLIST_TYPE: {"schema": {"type": "string"}}}},
    404: {"description": "no such channel or rendition"},
    **PLAYBACK_REFUSALS,
}


@router.get("/hls/{prefix:path}/" + ARCHIVE_PLAYLIST, response_class=Response, responses=RESPONSES)
async def hls_archive(
    prefix: str,
    channels: ChannelsDep,
    archive: ArchiveDep,
    settings: SettingsDep,
    playback: PlaybackDep,
    from_: Annotated[datetime, Query(alias="from", description="inclusive, ISO 8601 with a zone")],
    to: Annotated[
        datetime | None,
        Query(description="exclusive, ISO 8601 with a zone; without it an EVENT playlist"),
    ] = None,
) -> Response:
    """A VOD playlist of ``[from, to)``, or without ``to`` an EVENT playlist growing to live."""
    slug, rendition = playlist_owner(prefix, ARCHIVE_PLAYLIST, playback)
    channel = (await channels.get_by_slug(slug)).channel
    start, end = zoned("from", from_), zoned("to", to)
    now = utc_now()
    if end is None:
        if start >= now:
            raise InvalidInput.of("from", "must be in the past")
        kind, until, ended = PlaylistType.EVENT, min(now, start + MAX_SPAN), now >= start + MAX_SPAN
        query = {"from": program_date_time(start)}
    else:
        start, end = checked_span(start, end)
        kind, until, ended = PlaylistType.VOD, end, True
        query = {"from": program_date_time(start), "to": program_date_time(end)}
    rows = await archive.between(channel.id, start, until, MAX_SPAN_SEGMENTS)
    variants = variants_of(rows)
    if rendition is None and variants:
        return playlist(master_playlist(variants, f"{ARCHIVE_PLAYLIST}?{urlencode(query)}"))
    mine = of_rendition(rows, rendition, variants)
    if not mine:
        raise InvalidInput.of("from", "nothing was recorded in this span")
    at_least = 1 if kind is PlaylistType.VOD else channel_target(channel, settings)
    return playlist(archive_playlist(mine, kind, ended=ended, at_least=at_least))


@router.get(
    "/hls/{prefix:path}/" + TIMESHIFT_PLAYLIST, response_class=Response, responses=RESPONSES
)
async def hls_timeshift(
    prefix: str,
    channels: ChannelsDep,
    archive: ArchiveDep,
    settings: SettingsDep,
    playback: PlaybackDep,
    delay: Annotated[
        int,
        Query(
            ge=MIN_DELAY_S,
            le=MAX_DELAY_S,
            description="seconds behind live, at most the channel's retention",
        ),
    ],
) -> Response:
    """A live window of the channel's list size, ``delay`` seconds behind live."""
    slug, rendition = playlist_owner(prefix, TIMESHIFT_PLAYLIST, playback)
    channel = (await channels.get_by_slug(slug)).channel
    retention_s = channel.retention_days * 86400
    if delay > retention_s:
        raise InvalidInput.of("delay", f"must be at most the channel's retention ({retention_s} s)")
    list_size = channel.hls.list_size or settings.hls_list_size
    target = channel_target(channel, settings)
    lookback = timedelta(seconds=list_size * target * LOOKBACK_TARGETS)
    newest = await archive.newest(channel.id)
    live = max(utc_now(), newest.end) if newest is not None else utc_now()
    cutoff = live - timedelta(seconds=delay)
    rows = await archive.between(
        channel.id, window_reach(cutoff, lookback), cutoff, MAX_SPAN_SEGMENTS
    )
    variants = variants_of(rows)
    if rendition is None and variants:
        query = urlencode({"delay": delay})
        return playlist(master_playlist(variants, f"{TIMESHIFT_PLAYLIST}?{query}"))
    window = timeshift_window(of_rendition(rows, rendition, variants), cutoff, list_size, lookback)
    if window is None:
        raise InvalidInput.of("delay", f"nothing was recorded {delay} s before now")
    return playlist(window.render(at_least=target))


def playlist_owner(prefix: str, name: str, playback: Playback) -> tuple[str, str | None]:
    """The slug and rendition (a ladder's variant) of ``<prefix>/<name>`` below ``/hls/``,
    its playback signature checked."""
    relative = hls_relative_path(playback_path(f"{prefix}/{name}", playback))
    if relative is None:
        raise NotFound(f"no playlist '{prefix}/{name}'")
    parts = relative.parts
    return parts[0], parts[1] if len(parts) == 3 else None


def of_rendition(
    rows: list[ArchivedSegment], rendition: str | None, variants: list[Variant]
) -> list[ArchivedSegment]:
    """The rows of one rendition (``None``: a single-rendition channel's)."""
    if rendition is not None and rendition not in {v.rendition for v in variants}:
        raise NotFound(f"no rendition '{rendition}' was recorded then")
    return [r for r in rows if rendition_of(r.path) == rendition]


def channel_target(channel: Channel, settings: Settings) -> int:
    return target_duration_for(channel.hls.segment_seconds or settings.hls_segment_seconds)


def playlist(text: str) -> Response:
    return Response(text, media_type=PLAYLIST_TYPE, headers={"Cache-Control": PLAYLIST_CACHE})
