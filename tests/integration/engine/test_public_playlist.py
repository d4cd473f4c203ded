"""The public playlist across restarts: one playlist that never 404s, whose media sequence never
goes back, whose segment names never repeat, with a discontinuity at each restart, and whose
segments leave the disk only a grace after they left the playlist."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from streamfleet.domain.status import Status
from streamfleet.media.hls_args import PRIVATE_PLAYLIST_NAME, PUBLISH_LAG_SEGMENTS
from streamfleet.media.playlist_summary import summarize
from streamfleet.media.public_playlist import PublicPlaylist, parse_public
from tests.integration.engine.conftest import EngineHarness, udp_channel
from tests.support.media import Feeders, channel_url
from tests.support.waiting import wait_until

EngineFactory = Callable[..., Awaitable[EngineHarness]]
LIST_SIZE = 3
SEGMENT_S = 2.0
GRACE_S = SEGMENT_S * (LIST_SIZE + 1)
"""One segment plus the playlist's duration (RFC 8216 §6.2.2), as the publisher keeps them."""
POLL_S = 0.05


def prefix_of(name: str) -> str:
    return name.rpartition("_")[0]


@dataclass
class Observer:
    """Reads the public playlist every 50 ms and checks every version it sees."""

    playlist: Path
    seen: list[PublicPlaylist] = field(default_factory=list)
    missing_reads: int = 0
    names_by_number: dict[int, str] = field(default_factory=dict)
    left_at: dict[str, float] = field(default_factory=dict)
    deleted_early: list[tuple[str, float]] = field(default_factory=list)

    @property
    def latest(self) -> PublicPlaylist | None:
        return self.seen[-1] if self.seen else None

    def observe(self) -> None:
        try:
            text = self.playlist.read_text()
        except FileNotFoundError:
            if self.seen:
                self.missing_reads += 1  # a 404 for a player
            return
        state = parse_public(text, LIST_SIZE)
        assert state is not None, f"not a media playlist: {text!r}"
        now = time.monotonic()
        previous = self.latest
        if previous is not None:
            assert state.media_sequence >= previous.media_sequence, "the media sequence went back"
            assert state.discontinuity_sequence >= previous.discontinuity_sequence
            listed = {s.uri for s in state.segments}
            for segment in previous.segments:
                if segment.uri not in listed:
                    self.left_at.setdefault(segment.uri, now)
        for offset, segment in enumerate(state.segments):
            number = state.media_sequence + offset
            known = self.names_by_number.setdefault(number, segment.uri)
            assert known == segment.uri, f"media sequence {number} is {segment.uri}, was {known}"
        for before, after in zip(state.segments, state.segments[1:], strict=False):
            if prefix_of(before.uri) != prefix_of(after.uri):
                assert after.discontinuity, f"no discontinuity before {after.uri}"
        for name, left in self.left_at.items():
            age = now - left
            if age < GRACE_S - 1.0 and not (self.playlist.parent / name).exists():
                self.deleted_early.append((name, age))
        self.seen.append(state)

    async def run(self) -> None:
        while True:
            self.observe()
            await asyncio.sleep(POLL_S)  # the sampling period of the observer, not a wait


@contextlib.asynccontextmanager
async def observing(observer: Observer) -> AsyncIterator[None]:
    """Runs the observer for the block, with a last look at its end."""
    polling = asyncio.create_task(observer.run())
    try:
        yield
        observer.observe()
    finally:
        if polling.done():
            polling.result()  # the observer's own failed check, rather than a timeout
        polling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await polling


def prefixes(state: PublicPlaylist | None) -> list[str]:
    if state is None:
        return []
    return list(dict.fromkeys(prefix_of(s.uri) for s in state.segments))


async def test_a_channel_restarted_twice_keeps_one_public_playlist_that_only_moves_forward(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder))
    engine = await engine_factory([channel], hls_list_size=LIST_SIZE, hls_segment_seconds=SEGMENT_S)
    folder = engine.settings.hls_dir.resolve() / "ch1"
    observer = Observer(folder / "index.m3u8")
    async with observing(observer):
        attempts: list[str] = []
        for restart in range(2):
            state = await wait_until(
                lambda: (
                    (p := prefixes(observer.latest))
                    and p[-1] not in attempts
                    and sum(1 for s in observer.latest.segments if prefix_of(s.uri) == p[-1]) >= 2
                    and observer.latest
                ),
                30,
                f"two segments of attempt {restart + 1} in the public playlist",
            )
            attempts.append(prefixes(state)[-1])
            await engine.supervisor.restart_channel(channel)
        await engine.wait_status(1, Status.ONLINE, 20)
        # Both discontinuity tags slide out of the 3-segment window: the sequence counts them.
        final = await wait_until(
            lambda: (s := observer.latest) is not None and s.discontinuity_sequence >= 2 and s,
            40,
            "both discontinuities to slide out of the window",
        )
        assert prefixes(final)[-1] not in attempts
        first_gone = min(observer.left_at, key=lambda n: observer.left_at[n])
        await wait_until(
            lambda: not (folder / first_gone).exists(),
            GRACE_S + 20,
            f"{first_gone} to be deleted after the grace",
        )
        deleted_after = time.monotonic() - observer.left_at[first_gone]
    assert observer.missing_reads == 0, "the public playlist was missing during a restart"
    assert observer.deleted_early == []
    assert deleted_after >= GRACE_S - 1.0
    names = list(observer.names_by_number.values())
    assert len(names) == len(set(names)), "a segment name was used twice"
    children = len({prefix_of(n) for n in names})
    assert children >= 3, "one prefix per child"  # more if the loaded machine stalled one
    last = observer.latest
    assert last is not None
    in_window = sum(1 for s in last.segments if s.discontinuity)
    assert last.discontinuity_sequence + in_window == children - 1, "a discontinuity per child"
    assert not (folder / ".ffmpeg.m3u8.tmp").exists()


async def test_a_new_engine_continues_the_public_playlist_it_finds(
    feeders: Feeders, engine_factory: EngineFactory, tmp_path: Path
) -> None:
    """A server restart reads the public playlist back: the sequence goes on after a
    discontinuity, with new names."""
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder))
    data_dir = tmp_path / "shared"
    first = await engine_factory([channel], data_dir=data_dir, hls_list_size=LIST_SIZE)
    playlist = first.settings.hls_dir.resolve() / "ch1" / "index.m3u8"

    def public() -> PublicPlaylist | None:
        try:
            return parse_public(playlist.read_text(), LIST_SIZE)
        except FileNotFoundError:
            return None

    await wait_until(
        lambda: (s := public()) is not None and s.next_media_sequence >= 2 and s,
        30,
        "two published segments",
    )
    await first.close()
    before = public()  # with the last, shorter segment the first server's FFmpeg closed
    assert before is not None
    second = await engine_factory([channel], data_dir=data_dir, hls_list_size=LIST_SIZE)
    await second.wait_status(1, Status.ONLINE, 20)
    old = {s.uri for s in before.segments}
    after = await wait_until(
        lambda: (s := public()) is not None and s.segments[-1].uri not in old and s,
        30,
        "a segment of the new server in the playlist",
    )
    assert after.media_sequence >= before.media_sequence
    assert after.next_media_sequence > before.next_media_sequence
    first_new = next(s for s in after.segments if s.uri not in old)
    assert first_new.discontinuity or after.discontinuity_sequence > before.discontinuity_sequence


async def test_a_stopped_channel_publishes_the_last_segment_its_ffmpeg_closed(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    """FFmpeg closes a last, shorter segment as it ends: a stop (or a move at a drain) leaves
    it in the public playlist, so the stream runs up to the moment it stopped and the next
    child continues from there."""
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder))
    engine = await engine_factory([channel], hls_list_size=LIST_SIZE, hls_segment_seconds=SEGMENT_S)
    folder = engine.settings.hls_dir.resolve() / "ch1"

    def public() -> PublicPlaylist | None:
        try:
            return parse_public((folder / "index.m3u8").read_text(), LIST_SIZE)
        except FileNotFoundError:
            return None

    await wait_until(
        lambda: (s := public()) is not None and len(s.segments) >= 2 and s,
        30,
        "two published segments",
    )
    await engine.supervisor.stop_channel(channel.id)
    private = summarize((folder / PRIVATE_PLAYLIST_NAME).read_text())
    assert private is not None
    assert private.segments
    last = private.segments[-1]
    published = public()
    assert published is not None
    assert published.segments[-1].uri == last, (
        f"the last segment FFmpeg closed ({last}) is not the public playlist's last "
        f"({published.segments[-1].uri})"
    )
    assert (folder / last).stat().st_size > 0


async def test_a_running_childs_segments_leave_the_disk_a_grace_after_the_playlist_not_before(
    feeders: Feeders, engine_factory: EngineFactory
) -> None:
    """In ``serve`` the running child's FFmpeg deletes its own segments: each one that left
    the public playlist stays on disk for the grace, then goes, and the child never has more
    on disk than FFmpeg's window (the public one and the publisher's lag), its grace's
    segments and the one being written (a restart on a loaded host adds another child's
    files, which are not counted)."""
    feeder = await feeders.start()
    channel = udp_channel(1, channel_url(feeder))
    engine = await engine_factory([channel], hls_list_size=LIST_SIZE, hls_segment_seconds=SEGMENT_S)
    folder = engine.settings.hls_dir.resolve() / "ch1"
    observer = Observer(folder / "index.m3u8")
    on_disk: list[int] = []

    def deleted(name: str) -> bool:
        """Whether ``name`` is gone; counts its child's segments on disk meanwhile."""
        child = f"{prefix_of(name)}_"
        on_disk.append(sum(1 for p in folder.glob("*.ts") if p.name.startswith(child)))
        return not (folder / name).exists()

    async with observing(observer):
        first_gone = await wait_until(
            lambda: observer.left_at and min(observer.left_at, key=observer.left_at.__getitem__),
            40,
            "a segment to leave the public playlist",
        )
        await wait_until(
            lambda: deleted(first_gone), GRACE_S + 20, f"{first_gone} deleted after the grace"
        )
        deleted_after = time.monotonic() - observer.left_at[first_gone]
    assert observer.deleted_early == []
    assert deleted_after >= GRACE_S - 1.0
    private = LIST_SIZE + PUBLISH_LAG_SEGMENTS
    assert max(on_disk) <= private + (private + 1) + 1, on_disk
