"""The export's FFmpeg arguments: a copy through the concat demuxer into a faststart MP4."""

from __future__ import annotations

from pathlib import PurePath

from streamfleet.media.export_args import concat_list, export_args


def test_the_list_names_each_segment_once_quoted_for_the_concat_demuxer() -> None:
    text = concat_list([PurePath("/data/archive/news/a.ts"), PurePath("/data/o'brien/b.ts")])
    assert text.splitlines() == [
        "ffconcat version 1.0",
        "file '/data/archive/news/a.ts'",
        "file '/data/o'\\''brien/b.ts'",
    ]


def test_the_command_copies_into_a_faststart_mp4_of_the_parts_length() -> None:
    argv = export_args("ffmpeg", PurePath("/x/part-1.txt"), PurePath("/x/part-1.mp4.partial"), 9.5)
    assert argv[0] == "ffmpeg"
    assert "-nostdin" in argv
    assert argv[argv.index("-protocol_whitelist") + 1] == "file,pipe"
    assert argv[argv.index("-f") + 1] == "concat"
    assert argv[argv.index("-i") + 1] == "/x/part-1.txt"
    assert argv.count("-i") == 1
    assert argv[argv.index("-c") + 1] == "copy"
    assert argv[argv.index("-t") + 1] == "9.5"
    assert argv[argv.index("-movflags") + 1] == "+faststart"
    assert argv[argv.index("-progress") + 1] == "pipe:1"
    assert argv[-1] == "/x/part-1.mp4.partial"
