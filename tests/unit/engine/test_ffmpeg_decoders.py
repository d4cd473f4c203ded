"""What an FFmpeg binary has: its audio decoders (the only ones a copy channel's stream probe may
open) and what it can read (whether a copy binary may run a channel)."""

from __future__ import annotations

from pathlib import Path

from streamfleet.config import Settings
from streamfleet.engine.ffmpeg_decoders import (
    audio_decoders,
    input_names,
    parse_decoders,
    parse_demuxers,
    parse_input_protocols,
)
from streamfleet.media.input_args import WHITELISTS

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


# the head and a few rows of FFmpeg 9.0.2's `ffmpeg -hide_banner -protocols` and `-demuxers`
PROTOCOLS = """Supported file protocols:
Input:
  crypto
  http
  rtmp
  udp
Output:
  file
  icecast
  udp
"""
DEMUXERS = """Formats:
 D.. = Demuxing supported
 .E. = Muxing supported
 ..d = Is a device
 ---
 D   hls             Apple HTTP Live Streaming
 D   mov,mp4,m4a,3gp,3g2,mj2 QuickTime / MOV
 D   mpegts          MPEG-TS (MPEG-2 Transport Stream)
 D   rtsp            RTSP input
"""


def test_the_protocol_listing_gives_only_the_input_protocols() -> None:
    assert parse_input_protocols(PROTOCOLS) == {"crypto", "http", "rtmp", "udp"}
    assert parse_input_protocols("") == frozenset()


def test_the_demuxer_listing_gives_every_name_of_each_row_and_not_its_legend() -> None:
    assert parse_demuxers(DEMUXERS) == {"hls", "mov", "mp4", "m4a", "3gp", "3g2", "mj2"} | {
        "mpegts",
        "rtsp",
    }
    assert parse_demuxers("") == frozenset()


def test_the_real_binary_reads_every_protocol_a_source_scheme_may_need() -> None:
    names = input_names(Settings().resolved_ffmpeg_path())
    needed = {name for w in WHITELISTS.values() for name in w.split(",")}
    # `rtsps` is the RTSP demuxer's TLS mode, listed as neither: a copy binary never runs an
    # rtsps source, the server's FFmpeg always does.
    assert needed - names == {"rtsps"}
    assert {"mpegts", "hls", "flv"} <= names


def test_a_binary_that_cannot_list_what_it_reads_reads_nothing(tmp_path: Path) -> None:
    assert input_names(str(tmp_path / "missing-ffmpeg")) == frozenset()
    assert input_names("/bin/false") == frozenset()
