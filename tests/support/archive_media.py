"""Real archived segments for export tests: FFmpeg cuts a generated H.264 + AAC source into
2 s HLS segments once per session; ``archive_run`` hard-links them into a data directory's
archive and indexes them from any start, so a test lays out ranges and gaps in no time.

- ``hls_segments`` (session): ``[(path, duration_s), …]`` of 16 s in 8 segments (2 s GOP).
- ``await archive_run(archive, root, channel_id, slug, segments, start)``: the segments one
  after another from ``start``; returns the index rows.
- ``mp4_atoms(path)``: the top-level box types of an MP4, in file order.
"""

from __future__ import annotations

import asyncio
import os
import re
import struct
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from streamfleet.db.repositories.archive import ArchiveRepository
from streamfleet.domain.archive import ArchivedSegment, archive_path
from streamfleet.engine.process import Spawner

SOURCE_SECONDS = 16
SEGMENT_SECONDS = 2
GENERATE_TIMEOUT_S = 60.0
EXTINF = re.compile(r"#EXTINF:([0-9.]+),\s*\n(\S+)")


def segment_args(ffmpeg: str, out: Path) -> list[str]:
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x180:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=48000",
        "-t",
        str(SOURCE_SECONDS),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-g",
        str(25 * SEGMENT_SECONDS),
        "-keyint_min",
        str(25 * SEGMENT_SECONDS),
        "-sc_threshold",
        "0",
        "-c:a",
        "aac",
        "-f",
        "hls",
        "-hls_time",
        str(SEGMENT_SECONDS),
        "-hls_list_size",
        "0",
        "-hls_segment_filename",
        str(out / "seg_%d.ts"),
        str(out / "index.m3u8"),
    ]


@pytest.fixture(scope="session")
async def hls_segments(
    ffmpeg_path: str, tmp_path_factory: pytest.TempPathFactory
) -> list[tuple[Path, float]]:
    out = tmp_path_factory.mktemp("archive-media")
    child = await Spawner().spawn(segment_args(ffmpeg_path, out), capture=False)
    assert await asyncio.wait_for(child.wait(), GENERATE_TIMEOUT_S) == 0
    playlist = (out / "index.m3u8").read_text()
    return [(out / name, float(seconds)) for seconds, name in EXTINF.findall(playlist)]


async def archive_run(
    archive: ArchiveRepository,
    root: Path,
    channel_id: int,
    slug: str,
    segments: list[tuple[Path, float]],
    start: datetime,
) -> list[ArchivedSegment]:
    rows = []
    at = start
    for source, duration_s in segments:
        relative = archive_path(slug, at, f"{at:%H%M%S%f}_{source.name}")
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        os.link(source, root / relative)
        rows.append(ArchivedSegment(channel_id, at, duration_s, source.stat().st_size, relative))
        at += timedelta(seconds=duration_s)
    await archive.add(rows)
    return rows


def mp4_atoms(path: Path) -> list[str]:
    atoms = []
    with path.open("rb") as f:
        while header := f.read(8):
            size, kind = struct.unpack(">I4s", header)
            atoms.append(kind.decode("latin-1"))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                f.seek(size - 16, os.SEEK_CUR)
            elif size == 0:
                break
            else:
                f.seek(size - 8, os.SEEK_CUR)
    return atoms
