"""The FFmpeg binary's audio decoders: the only ones a copy channel's stream probe may open."""

from __future__ import annotations

from pathlib import Path

from streamfleet.config import Settings
from streamfleet.engine.ffmpeg_decoders import audio_decoders, parse_decoders

# the head and a few rows of FFmpeg 9.0.2's `ffmpeg -hide_banner -decoders`
LISTING = """Decoders:
 V..... = Video
 A..... = Audio
 S..... = Subtitle
 .F.... = Frame-level multithreading
 ..S... = Slice-level multithreading
 ...X.. = Codec is experimental
 ....B. = Supports draw_horiz_band
 .....D = Supports direct rendering method 1
 ------
 VFS..D h264                 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10
 V....D mpeg2video           MPEG-2 video
 A....D aac                  AAC (Advanced Audio Coding)
 A....D mp2                  MP2 (MPEG audio layer 2)
 A..X.D opus                 Opus
 S..... dvbsub               DVB subtitles (codec dvb_subtitle)
"""


def test_the_listing_gives_each_kinds_decoders_and_not_its_legend() -> None:
    assert parse_decoders(LISTING) == ("aac", "mp2", "opus")
    assert parse_decoders(LISTING, "V") == ("h264", "mpeg2video")
    assert parse_decoders("") == ()


def test_the_real_binary_lists_broadcast_audio_decoders_and_no_video_one() -> None:
    names = set(audio_decoders(Settings().resolved_ffmpeg_path()))
    assert {"aac", "aac_latm", "mp2", "mp3", "ac3", "eac3", "opus", "s302m"} <= names
    assert not {"h264", "hevc", "mpeg2video", "dvbsub"} & names


def test_a_binary_that_cannot_list_its_decoders_gives_none(tmp_path: Path) -> None:
    assert audio_decoders(str(tmp_path / "missing-ffmpeg")) == ()
    assert audio_decoders("/bin/false") == ()
