"""Thumbnails, media info and content checks for every running channel.

The ``Thumbnailer`` follows ``status`` envelopes on the bus and watches each
channel while it is up (``online`` or ``degraded``). Channel settings come as
domain ``Channel`` values through ``configure()`` and ``forget()``, which the
engine calls from its own ``apply``/``start``/``forget`` (``engine/hosted.py``).
It hands the channel's ``ChannelMediaWatch`` to a bounded thread pool, so
decoding never blocks the event loop, and publishes what came back:
``thumbnail`` (only for tiles someone has on screen, ``set_visible()``),
``media_info`` (first reading and every change) and ``content`` envelopes.

JPEGs are made only for the channels some dashboard has on screen
(``set_visible(client, slugs)``, fed by the wall's tiles): every
``thumbnail_interval_s`` while shown, none at all otherwise. A tile that comes
into view gets a new picture at once when its last one is older than the
interval, so a viewer never waits for more than one interval's age.
Channels with content checks are examined once per segment (the checks sample
every keyframe); the others are read every ``MEDIA_INFO_INTERVAL_S`` while
nobody shows them, for their media info (with every JPEG while shown).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Final

import structlog

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.domain.content_check import enabled_checks
from streamfleet.domain.slug import is_valid_slug
from streamfleet.domain.status import UP, Status
from streamfleet.engine.media_watch import ChannelMediaWatch, Findings, WatchConfig
from streamfleet.events.bus import EventBus
from streamfleet.events.envelope import Envelope, EventType
from streamfleet.media.codec_pool import CodecPool
from streamfleet.media.content_checks import ContentTransition
from streamfleet.media.media_info import MediaInfo
from streamfleet.storage.hls_paths import channel_hls_dir, thumbnail_path

log = structlog.get_logger()

MEDIA_INFO_INTERVAL_S: Final = 40.0
"""How often a channel nobody shows and without content checks has its segment read (media
info: bitrate, and a change of the stream's set-up); no JPEG is written. As often as such a
channel was read before JPEGs followed the screen (10 s x the idle factor 4 of then)."""
TICK_S: Final = 0.5
"""How often the schedule is looked at when nothing wakes it."""
RETRY_AFTER_SKIP_S: Final = 1.0
"""A skipped run (no new segment yet, unreadable segment) is retried this much later."""


@dataclass(slots=True)
class _Watched:
    watch: ChannelMediaWatch
    config: WatchConfig
    next_thumbnail: float
    """When a JPEG is due again (if the channel is on screen): interval after the last one."""
    next_check: float
    """When the segment is read again without a JPEG (content checks, media info)."""
    busy: bool = False


class Thumbnailer:
    """Keeps ``thumbs_dir/<slug>.jpg`` and each channel's media info fresh."""

    def __init__(self, settings: Settings, bus: EventBus) -> None:
        self._settings = settings
        self._bus = bus
        self._configs: dict[str, WatchConfig] = {}
        self._watched: dict[str, _Watched] = {}
        self._media_info: dict[str, MediaInfo] = {}
        self._viewers: dict[str, frozenset[str]] = {}
        self._visible: frozenset[str] = frozenset()
        self._wake = asyncio.Event()
        self._executor: ThreadPoolExecutor | None = None
        self._codecs = CodecPool(keep=settings.thumbnail_workers)
        """Shared by every channel: one decoder/encoder per worker thread, not per channel."""
        self.cpu_seconds = 0.0
        """CPU time spent in worker threads (``streamfleet_thumbnail_cpu_seconds_total``)."""
        self.thumbnails_written = 0
        self.segments_skipped = 0

    # What the API reads --------------------------------------------------------------

    def media_info(self, slug: str) -> MediaInfo | None:
        """The channel's latest media info, ``None`` until a segment was read."""
        return self._media_info.get(slug)

    @property
    def codec_sets(self) -> int:
        """Decoder/encoder pairs made so far: bounded by the worker threads, not the channels."""
        return self._codecs.created

    @property
    def watched(self) -> frozenset[str]:
        return frozenset(self._watched)

    @property
    def visible(self) -> frozenset[str]:
        """The channels some dashboard has on screen: the only ones that get JPEGs."""
        return self._visible

    def set_visible(self, client: str, slugs: Iterable[str]) -> None:
        """``client`` (one dashboard connection) now shows these channels' tiles; an empty set
        when it shows none or has gone. A channel that comes into view is looked at at once."""
        shown = frozenset(slugs)
        if shown:
            self._viewers[client] = shown
        else:
            self._viewers.pop(client, None)
        before = self._visible
        self._visible = frozenset().union(*self._viewers.values())
        if self._visible - before:
            self._wake.set()

    # Channel settings ----------------------------------------------------------------

    def configure(self, channel: Channel) -> None:
        """The channel's settings (interval, content checks) as they are now."""
        config = WatchConfig(
            float(channel.thumbnail_interval_s), enabled_checks(channel.content_checks)
        )
        self._configs[channel.slug] = config
        watched = self._watched.get(channel.slug)
        if watched is not None and watched.config != config:
            watched.config = config
            self._wake.set()

    def config_of(self, slug: str) -> WatchConfig | None:
        """The settings the channel is watched with, ``None`` for a channel not configured."""
        return self._configs.get(slug)

    def forget(self, slug: str) -> None:
        """The channel was deleted: stop watching it and drop its thumbnail and media info."""
        self._unwatch(slug)
        self._configs.pop(slug, None)
        self._media_info.pop(slug, None)
        if is_valid_slug(slug):
            self._thumbnail_path(slug).unlink(missing_ok=True)

    # Running -------------------------------------------------------------------------

    async def run(self) -> None:
        """Follow the bus and make thumbnails until cancelled or the bus closes."""
        subscription = self._bus.subscribe(accept=lambda e: e.type is EventType.STATUS)
        self._executor = ThreadPoolExecutor(
            max_workers=self._settings.thumbnail_workers, thread_name_prefix="thumbnail"
        )
        try:
            async with asyncio.TaskGroup() as tasks:
                scheduler = tasks.create_task(self._schedule(), name="thumbnailer.schedule")
                async for envelope in subscription:
                    self.handle_envelope(envelope)
                scheduler.cancel()  # the bus closed
        finally:
            subscription.close()
            self._executor.shutdown(wait=False, cancel_futures=True)

    def handle_envelope(self, envelope: Envelope) -> None:
        """Act on one bus envelope (``run()`` calls this; callers may seed known statuses)."""
        slug = envelope.channel
        if slug is None or not is_valid_slug(slug):
            return
        if envelope.type is not EventType.STATUS:
            return
        if _status_of(envelope) in UP:
            self._watch(slug)
        else:
            self._unwatch(slug)

    def _watch(self, slug: str) -> None:
        if slug in self._watched:
            return
        now = time.monotonic()
        watch = ChannelMediaWatch(
            slug,
            channel_hls_dir(self._settings.hls_dir, slug),
            self._thumbnail_path(slug),
            previous_info=self._media_info.get(slug),
            codecs=self._codecs,
        )
        # A first reading at once: media info, and a JPEG if the channel is on screen.
        self._watched[slug] = _Watched(watch, self._configs.get(slug, WatchConfig()), now, now)
        log.debug("thumbnail.watch", channel=slug)
        self._wake.set()

    def _unwatch(self, slug: str) -> None:
        watched = self._watched.pop(slug, None)
        if watched is None:
            return
        log.debug("thumbnail.unwatch", channel=slug)
        if not watched.busy:  # a running examine() owns the trackers until it returns
            self._publish_transitions(slug, watched.watch.end_conditions(datetime.now(UTC)))

    def _thumbnail_path(self, slug: str) -> Path:
        return thumbnail_path(self._settings.thumbs_dir, slug)

    async def _schedule(self) -> None:
        async with asyncio.TaskGroup() as jobs:
            while True:
                now = time.monotonic()
                for slug, watched in self._watched.items():
                    if watched.busy:
                        continue
                    if min(self._next_thumbnail(slug, watched), watched.next_check) <= now:
                        watched.busy = True
                        jobs.create_task(self._run_once(slug, watched))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), TICK_S)

    def _next_thumbnail(self, slug: str, watched: _Watched) -> float:
        return watched.next_thumbnail if slug in self._visible else float("inf")

    def _check_interval_s(self, watched: _Watched) -> float:
        if watched.config.content_checks:
            return self._settings.hls_segment_seconds
        return MEDIA_INFO_INTERVAL_S

    async def _run_once(self, slug: str, watched: _Watched) -> None:
        started = time.monotonic()
        thumbnail = self._next_thumbnail(slug, watched) <= started
        loop = asyncio.get_running_loop()
        job = partial(
            watched.watch.examine,
            thumbnail=thumbnail,
            checks=watched.config.content_checks,
            now=datetime.now(UTC),
        )
        try:
            findings = await loop.run_in_executor(self._executor, job)
        finally:
            watched.busy = False
        self.cpu_seconds += findings.cpu_s
        now = time.monotonic()
        if findings.skipped is None:
            if thumbnail:
                watched.next_thumbnail = now + watched.config.thumbnail_interval_s
            watched.next_check = now + self._check_interval_s(watched)
        else:
            watched.next_check = now + RETRY_AFTER_SKIP_S
            if thumbnail:
                watched.next_thumbnail = now + RETRY_AFTER_SKIP_S
        if self._watched.get(slug) is not watched:
            return  # the channel stopped (or restarted) while its segment was being read
        self._publish(slug, findings)

    def _publish(self, slug: str, findings: Findings) -> None:
        if findings.crash is not None:
            log.error(
                "thumbnail.crashed", channel=slug, segment=findings.segment, error=findings.crash
            )
        if findings.skipped is not None:
            if not findings.nothing_new:
                self.segments_skipped += 1
                log.info(
                    "thumbnail.skipped",
                    channel=slug,
                    segment=findings.segment,
                    reason=findings.skipped,
                )
            return
        if findings.media_error is not None:
            log.info("media_info.unreadable", channel=slug, reason=findings.media_error)
        if findings.media_info is not None:
            self._media_info[slug] = findings.media_info
        if findings.thumbnail_written:
            self.thumbnails_written += 1
            taken_at = int(time.time())
            url = f"/thumbs/{slug}.jpg?v={taken_at}"
            data = {"url": url, "taken_at": taken_at}
            self._bus.publish_nowait(Envelope(EventType.THUMBNAIL, slug, data))
        if findings.media_changes is not None and findings.media_info is not None:
            if findings.media_changes:
                log.info("channel.media_changed", channel=slug, changes=findings.media_changes)
            data = {**findings.media_info.to_dict(), "changed": findings.media_changes}
            self._bus.publish_nowait(Envelope(EventType.MEDIA_INFO, slug, data))
        self._publish_transitions(slug, findings.transitions)

    def _publish_transitions(self, slug: str, transitions: list[ContentTransition]) -> None:
        for transition in transitions:
            log.info(
                "channel.content",
                channel=slug,
                check=transition.check.value,
                state=transition.state,
            )
            self._bus.publish_nowait(Envelope(EventType.CONTENT, slug, transition.to_data()))


def _status_of(envelope: Envelope) -> Status | None:
    try:
        return Status(str(envelope.data.get("status")))
    except ValueError:
        return None
