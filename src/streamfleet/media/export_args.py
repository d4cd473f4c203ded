"""FFmpeg's arguments for one MP4 export part (pure): the concat list and the command.

The input is FFmpeg's concat demuxer reading a list file of archive paths the index
names (paths streamfleet chose: ``<slug>/<date>/<hour>/[<rendition>/]<name>`` under the
archive root), never a string from a request. The copy (``-c copy``) keeps the video
and audio streams and their codecs; ``-t`` ends the part at the span's end (a copy ends
exactly there, it only cannot start between keyframes); ``-movflags +faststart`` moves
the index (``moov``) before the media (``mdat``), so a browser plays it while it downloads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath
from typing import Final

from streamfleet.media.encode_args import seconds_text

LOG_LEVEL: Final = "error"
PROTOCOLS: Final = "file,pipe"


def concat_list(paths: Iterable[PurePath]) -> str:
    """The concat demuxer's list file: one ``file '<absolute path>'`` line per segment."""
    lines = ["ffconcat version 1.0"]
    for path in paths:
        quoted = str(path).replace("'", "'\\''")  # the list's quoting; our names have none
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


def export_args(ffmpeg: str, list_file: PurePath, output: PurePath, duration_s: float) -> list[str]:
    """Copy the segments ``list_file`` names into ``output`` (MP4), ``duration_s`` long."""
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        LOG_LEVEL,
        "-protocol_whitelist",
        PROTOCOLS,
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        str(list_file),
        "-map",
        "0:v?",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-t",
        seconds_text(duration_s),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        "-progress",
        "pipe:1",
        "-y",
        str(output),
    ]
