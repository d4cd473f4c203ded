"""One channel's thumbnail, media info and content checks, from its newest HLS segment.

``ChannelMediaWatch.examine()`` does the blocking work (file reads, decoding,
the JPEG write) and runs in the thumbnailer's worker threads, never on the
event loop. For each segment it borrows a video decoder and a JPEG encoder from
the ``CodecPool`` all channels share (one pair per channel kept ~3 MiB of frame
buffers per channel); between calls it keeps only small state of its own (the
last segment and frame set-up, the content-check trackers), so the thumbnailer
runs at most one ``examine()`` per channel at a time. A segment that cannot be
used comes back as ``Findings.skipped`` with the reason; it never raises.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Final

import av

from streamfleet.domain.channel import DEFAULT_THUMBNAIL_INTERVAL_S
from streamfleet.domain.errors import InvalidInput
from streamfleet.media.audio_level import AudioLevelMeter
from streamfleet.media.codec_pool import CodecPool
from streamfleet.media.content_checks import (
    ConditionTracker,
    ContentCheck,
    ContentTransition,
    LumaSample,
    is_black,
    is_frozen,
    is_silent,
    luma_sample,
)
from streamfleet.media.media_info import (
    MediaInfo,
    measured_bitrate_kbps,
    media_changes,
    read_media_info,
)
from streamfleet.media.playlist_segments import (
    SegmentEntry,
    is_master_playlist,
    largest_variant,
    media_segments,
    smallest_variant,
)
from streamfleet.media.playlist_summary import MAX_PLAYLIST_BYTES
from streamfleet.media.thumbnail import DecodedKeyframe, keyframe_parameter_sets, write_atomic
from streamfleet.storage.small_files import read_small_text

PLAYLIST_NAME: Final = "index.m3u8"
MEDIA_INFO_REFRESH_S: Final = 600.0
"""Media info is re-read this often even when nothing seems to change (bitrate: every run)."""
MEDIA_INFO_RETRY_S: Final = 30.0
"""After a failed reading, the next try waits this long (a new SPS still triggers one)."""
FrameKey = bytes | tuple[int, int]
"""What must stay equal between two keyframes of an unchanged stream: its parameter sets,
or its picture size when the keyframe has none (or is not H.264/HEVC)."""


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """What the operator configured for one channel's watch."""

    thumbnail_interval_s: float = DEFAULT_THUMBNAIL_INTERVAL_S
    content_checks: frozenset[ContentCheck] = frozenset()


@dataclass(slots=True)
class Findings:
    """What one ``examine()`` found; the thumbnailer turns it into envelopes."""

    segment: str | None = None
    skipped: str | None = None
    """Why nothing was examined; ``None`` when the segment was read."""
    nothing_new: bool = False
    """Skipped for a normal reason: no playlist or segment yet, or no new segment since."""
    thumbnail_written: bool = False
    fast_path: bool = False
    media_info: MediaInfo | None = None
    media_changes: list[str] | None = None
    """Set when a ``media_info`` envelope is due: ``[]`` on a first reading, else what changed."""
    media_error: str | None = None
    crash: str | None = None
    """The traceback of an error no rule foresaw (logged at error level)."""
    transitions: list[ContentTransition] = field(default_factory=list)
    cpu_s: float = 0.0


@dataclass(frozen=True, slots=True)
class _Playlists:
    thumbnail: list[SegmentEntry]
    thumbnail_dir: Path
    info: list[SegmentEntry]
    info_dir: Path


class ChannelMediaWatch:
    """The decoders and the last findings of one channel."""

    def __init__(
        self,
        slug: str,
        channel_dir: Path,
        thumbnail_path: Path,
        previous_info: MediaInfo | None = None,
        codecs: CodecPool | None = None,
    ) -> None:
        self.slug = slug
        self.channel_dir = channel_dir
        self.thumbnail_path = thumbnail_path
        self.media_info = previous_info
        self._fresh = True
        """No reading since this watch began: the next one is published."""
        self._next_info_read = 0.0
        self._last_segment: tuple[str, int, int] | None = None
        self._last_frame_key: FrameKey | None = None
        self._codecs = codecs if codecs is not None else CodecPool(keep=1)
        self._audio = AudioLevelMeter()
        self._trackers = {check: ConditionTracker(check) for check in ContentCheck}
        self._previous_luma: LumaSample | None = None

    def examine(
        self, *, thumbnail: bool, checks: frozenset[ContentCheck], now: datetime
    ) -> Findings:
        """Read the newest complete segment if it is new: thumbnail, media info, checks."""
        started = time.thread_time()
        findings = Findings()
        try:
            self._examine(findings, thumbnail=thumbnail, checks=checks, now=now)
        except InvalidInput as exc:
            findings.skipped = exc.detail
        except av.FFmpegError as exc:  # PyAV errors the media modules did not name
            findings.skipped = f"decoding failed: {exc}"
        except OSError as exc:
            findings.skipped = f"{type(exc).__name__}: {exc.strerror or exc}"
        except Exception as exc:
            # Segments come from outside: a stream no test foresaw must cost this channel one
            # thumbnail, not stop every channel's. The traceback goes to the error log.
            findings.skipped = f"unexpected {type(exc).__name__}: {exc}"
            findings.crash = traceback.format_exc()
        findings.cpu_s = time.thread_time() - started
        return findings

    def end_conditions(self, now: datetime) -> list[ContentTransition]:
        """End every active condition (the channel is no longer watched)."""
        ended = (tracker.reset(now) for tracker in self._trackers.values())
        return [t for t in ended if t is not None]

    def _examine(
        self, findings: Findings, *, thumbnail: bool, checks: frozenset[ContentCheck], now: datetime
    ) -> None:
        playlists = self._read_playlists()
        if playlists is None:
            findings.skipped = "no playlist yet"
            findings.nothing_new = True
            return
        if not playlists.thumbnail:
            findings.skipped = "the playlist lists no segment yet"
            findings.nothing_new = True
            return
        newest = playlists.thumbnail[-1]
        findings.segment = newest.uri
        segment_path = _inside(playlists.thumbnail_dir, newest.uri)
        try:
            stat = segment_path.stat()
        except FileNotFoundError:  # deleted by FFmpeg since the playlist was read
            findings.skipped = "segment unchanged"
            findings.nothing_new = True
            return
        version = (newest.uri, stat.st_mtime_ns, stat.st_size)
        if version == self._last_segment:
            findings.skipped = "segment unchanged"
            findings.nothing_new = True
            return
        self._last_segment = version
        keyframe: DecodedKeyframe | None = None
        # No picture wanted (no tile on screen, no content check): the keyframe's parameter
        # sets alone tell a reconfigured stream, read without decoding (~3 ms a segment).
        sets = b"" if thumbnail or checks else keyframe_parameter_sets(segment_path)
        if sets:
            frame_key: FrameKey = sets
        else:
            with self._codecs.borrow() as codecs:
                keyframe = codecs.decoder.decode(segment_path)
                jpeg = codecs.encoder.encode(keyframe) if thumbnail else None
            findings.fast_path = keyframe.fast_path
            if jpeg is not None:
                write_atomic(self.thumbnail_path, jpeg)
                findings.thumbnail_written = True
            frame_key = keyframe.parameter_sets or (keyframe.frame.width, keyframe.frame.height)
        reconfigured = self._last_frame_key is not None and frame_key != self._last_frame_key
        self._last_frame_key = frame_key
        self._update_media_info(findings, playlists, reconfigured=reconfigured, now=now)

        if checks and keyframe is not None:
            self._run_checks(findings, checks, keyframe.frame, segment_path, now)

    def _read_playlists(self) -> _Playlists | None:
        """The segment lists to read, or ``None`` while a playlist is not written yet."""
        top = self.channel_dir / PLAYLIST_NAME
        text = _read_text(top)
        if text is None:
            return None
        if not is_master_playlist(text):
            segments = media_segments(text)
            return _Playlists(segments, self.channel_dir, segments, self.channel_dir)
        small, large = smallest_variant(text), largest_variant(text)
        if small is None or large is None:
            raise InvalidInput.of("segment", "the master playlist lists no variant")
        small_path = _inside(self.channel_dir, small.uri)
        large_path = _inside(self.channel_dir, large.uri)
        small_text, large_text = _read_text(small_path), _read_text(large_path)
        if small_text is None or large_text is None:
            return None
        return _Playlists(
            media_segments(small_text),
            small_path.parent,
            media_segments(large_text),
            large_path.parent,
        )

    def _update_media_info(
        self, findings: Findings, playlists: _Playlists, *, reconfigured: bool, now: datetime
    ) -> None:
        sizes, durations = [], []
        for entry in playlists.info:
            try:
                sizes.append(_inside(playlists.info_dir, entry.uri).stat().st_size)
                durations.append(entry.duration_s)
            except OSError:  # expired by the publisher since the playlist was read
                continue
        bitrate = measured_bitrate_kbps(sizes, durations)
        if not reconfigured and time.monotonic() < self._next_info_read:
            if self.media_info is not None:
                self.media_info = self.media_info.with_bitrate(bitrate, now)
                findings.media_info = self.media_info
            return
        paths = [_inside(playlists.info_dir, e.uri) for e in playlists.info[-3:]]
        try:
            current = read_media_info(paths, bitrate_kbps=bitrate, at=now)
        except InvalidInput as exc:
            findings.media_error = exc.detail
            self._next_info_read = time.monotonic() + MEDIA_INFO_RETRY_S
            return
        self._next_info_read = time.monotonic() + MEDIA_INFO_REFRESH_S
        changes = media_changes(self.media_info, current)
        if self._fresh or changes:
            findings.media_changes = changes
        self._fresh = False
        self.media_info = current
        findings.media_info = current

    def _run_checks(
        self,
        findings: Findings,
        checks: frozenset[ContentCheck],
        frame: av.VideoFrame,
        segment_path: Path,
        now: datetime,
    ) -> None:
        observations: dict[ContentCheck, bool | None] = {}
        if ContentCheck.BLACK in checks or ContentCheck.FREEZE in checks:
            luma = luma_sample(frame)
            observations[ContentCheck.BLACK] = is_black(luma)
            observations[ContentCheck.FREEZE] = is_frozen(self._previous_luma, luma)
            self._previous_luma = luma
        if ContentCheck.SILENCE in checks:
            try:
                level = self._audio.level_dbfs(segment_path.read_bytes())
            except InvalidInput:
                level = None
            observations[ContentCheck.SILENCE] = is_silent(level)
        for check, tracker in self._trackers.items():
            present = observations.get(check) if check in checks else False
            transition = tracker.observe(present, now)
            if transition is not None:
                findings.transitions.append(transition)


def _read_text(path: Path) -> str | None:
    """The playlist's text, or ``None`` when FFmpeg has not written it yet."""
    try:
        return read_small_text(path, MAX_PLAYLIST_BYTES)
    except FileNotFoundError:
        return None


def _inside(folder: Path, uri: str) -> Path:
    """``uri`` resolved against ``folder``; refused if it leaves the folder."""
    if "://" in uri or uri.startswith("/") or ".." in Path(uri).parts:
        raise InvalidInput.of("segment", f"playlist entry {uri!r} is not a local file")
    return folder / uri
