"""Preparing a child's output folder: cleaned before a start, but never by a fleet worker
whose lease epoch is no longer current (the files there are the new holder's)."""

from __future__ import annotations

from pathlib import Path

from streamfleet.config import Settings
from streamfleet.domain.channel import Channel
from streamfleet.engine.attempt import prepare_output
from streamfleet.engine.context import RunnerContext, engine_options
from streamfleet.engine.process import Spawner
from streamfleet.events.bus import InProcessBus
from streamfleet.media.hls_args import segment_prefix

CHANNEL = Channel(id=7, slug="news", name="News", input_url="udp://239.0.0.1:1234")
HOLDERS_FILES = (".ffmpeg-e2.m3u8", "e2-a9_000004.ts.tmp", "e2-a9_000003.ts")


class Leases:
    """An ``OutputFence`` holding ``current`` epochs of channel 7."""

    def __init__(self, current: int) -> None:
        self.current = current

    def epoch_of(self, channel_id: int) -> int | None:
        return 1

    def is_current(self, channel_id: int, epoch: int | None) -> bool:
        return channel_id == CHANNEL.id and epoch == self.current


def context(tmp_path: Path, fence: Leases | None) -> RunnerContext:
    settings = Settings(data_dir=tmp_path, worker_name="w1", ffmpeg_path="ffmpeg")
    ctx = RunnerContext(settings, engine_options(settings), Spawner(), InProcessBus(), print)
    ctx.fence = fence
    return ctx


def holders_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "hls" / "news"
    folder.mkdir(parents=True)
    for name in HOLDERS_FILES:
        (folder / name).write_bytes(b"\x47")
    return folder


def test_a_worker_whose_epoch_moved_on_leaves_the_new_holders_files_alone(tmp_path: Path) -> None:
    folder = holders_folder(tmp_path)
    prepare_output(context(tmp_path, Leases(current=2)), CHANNEL, folder, segment_prefix(5, 1), 1)
    assert sorted(p.name for p in folder.iterdir()) == sorted(HOLDERS_FILES)


def test_the_current_holder_cleans_what_an_older_epoch_left(tmp_path: Path) -> None:
    folder = holders_folder(tmp_path)
    prepare_output(context(tmp_path, Leases(current=3)), CHANNEL, folder, segment_prefix(5, 3), 3)
    assert sorted(p.name for p in folder.iterdir()) == ["e2-a9_000003.ts"]


def test_serve_cleans_as_before(tmp_path: Path) -> None:
    folder = holders_folder(tmp_path)
    prepare_output(context(tmp_path, None), CHANNEL, folder, segment_prefix(5), None)
    assert sorted(p.name for p in folder.iterdir()) == ["e2-a9_000003.ts"]
