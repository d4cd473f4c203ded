"""Per-protocol input options: the whitelist, the timeouts, and where the URL may appear."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath

import pytest

from streamfleet.domain.channel import Channel
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.url_policy import ALLOWED_SCHEMES
from streamfleet.media.command import EngineOptions, build_args, probe_args
from streamfleet.media.input_args import (
    UDP_FIFO_PACKETS,
    UDP_SOCKET_BUFFER_BYTES,
    WHITELISTS,
    buffer_args,
    input_args,
    probe_decoder_args,
    protocol_whitelist,
    timeout_args,
    udp_kernel_buffer_fits,
)

WHITELIST_TABLE = [
    ("udp://239.0.0.1:1234", "udp"),
    ("rtp://239.0.0.1:5004", "rtp,udp"),
    ("rtmp://h/live/k", "rtmp,tcp"),
    ("rtmps://h/live/k", "rtmps,tls,tcp"),
    ("srt://h:9000", "srt"),
    ("rist://h:8193", "rist"),
    ("rtsp://h/s", "rtsp,rtp,udp,tcp"),
    ("rtsps://h/s", "rtsps,rtp,udp,tcp,tls"),
    ("http://h/live.m3u8", "http,tcp,crypto"),
    ("https://h/live.m3u8", "https,tls,tcp,crypto"),
    ("HTTP://h/live.m3u8", "http,tcp,crypto"),
]


@pytest.mark.parametrize(("url", "expected"), WHITELIST_TABLE)
def test_each_scheme_may_open_only_the_protocols_it_needs(url: str, expected: str) -> None:
    assert protocol_whitelist(url) == expected


@pytest.mark.parametrize("url", [u for u, _ in WHITELIST_TABLE])
def test_no_whitelist_ever_allows_local_files_or_nested_protocols(url: str) -> None:
    allowed = set(protocol_whitelist(url).split(","))
    assert not allowed & {"file", "concat", "concatf", "subfile", "pipe", "fd", "data", "unix"}


def test_every_allowed_scheme_has_a_protocol_whitelist_and_no_other_scheme_has_one() -> None:
    assert set(WHITELISTS) == set(ALLOWED_SCHEMES)


def test_a_scheme_without_an_input_profile_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as info:
        protocol_whitelist("file:///etc/passwd")
    assert info.value.errors[0].field == "input_url"


def test_udp_and_rtp_get_a_timeout_in_microseconds_because_rw_timeout_does_nothing_there() -> None:
    assert timeout_args("udp://239.0.0.1:1234", 1.0) == [
        "-timeout",
        "1000000",
        "-overrun_nonfatal",
        "1",
    ]


def test_rtp_takes_its_timeout_in_the_url_because_its_demuxer_refuses_the_option() -> None:
    assert timeout_args("rtp://239.0.0.1:5004", 1.5) == []
    args = input_args("rtp://239.0.0.1:5004", 1.5)
    assert args[-2:] == ["-i", "rtp://239.0.0.1:5004?timeout=1500000"]
    assert input_args("rtp://h:5004?ttl=4", 1.0)[-1] == "rtp://h:5004?ttl=4&timeout=1000000"
    assert input_args("rtp://h:5004?timeout=5", 1.0)[-1] == "rtp://h:5004?timeout=5"


def test_rtmp_gets_rw_timeout_and_never_timeout_which_would_make_it_listen() -> None:
    args = timeout_args("rtmp://h/live/k", 1.0)
    assert args == ["-rw_timeout", "1000000"]
    assert "-timeout" not in args


def test_srt_gets_its_own_timeout_and_rtsp_goes_over_tcp() -> None:
    assert timeout_args("srt://h:9000", 2.0) == ["-timeout", "2000000"]
    assert timeout_args("rtsp://h/s", 2.0) == ["-rtsp_transport", "tcp", "-timeout", "2000000"]


@pytest.mark.parametrize("url", [u for u, _ in WHITELIST_TABLE if not u.startswith("rtp:")])
def test_the_url_appears_once_and_right_after_dash_i(url: str) -> None:
    args = input_args(url, 1.0)
    assert args.count(url) == 1
    assert args[args.index(url) - 1] == "-i"
    assert args[-1] == url


def test_the_backup_switch_back_probe_reads_a_second_and_writes_nothing() -> None:
    options = EngineOptions(ffmpeg="ffmpeg", segment_seconds=2.0, list_size=6, input_timeout_s=1.0)
    args = probe_args(options, "udp://239.0.0.1:1234")
    assert args[args.index("-i") + 1] == "udp://239.0.0.1:1234"
    assert args[args.index("-protocol_whitelist") + 1] == "udp"
    assert args[-5:] == ["-t", "1", "-f", "null", "-"]
    assert "-progress" not in args


def test_a_udp_input_gets_a_770_kb_fifo_instead_of_ffmpegs_5_4_mb() -> None:
    assert buffer_args("udp://239.0.0.1:1234", False) == ["-fifo_size", "4096"]
    assert UDP_FIFO_PACKETS * 188 == 770_048
    args = input_args("udp://239.0.0.1:1234", 1.0)
    assert args[args.index("-fifo_size") + 1] == "4096"
    assert args.index("-fifo_size") < args.index("-i")


def test_with_the_kernel_buffer_a_udp_input_has_no_fifo_and_a_2_mib_socket_buffer() -> None:
    args = input_args("udp://239.0.0.1:1234", 1.0, udp_kernel_buffer=True)
    assert args[args.index("-fifo_size") + 1] == "0"
    assert args[args.index("-buffer_size") + 1] == str(2 * 1024 * 1024)
    assert args.index("-buffer_size") < args.index("-i")


@pytest.mark.parametrize(
    ("rmem_max", "fits"),
    [(0, False), (212_992, False), (UDP_SOCKET_BUFFER_BYTES - 1, False), (4_194_304, True)],
)
def test_the_kernel_buffer_is_chosen_only_where_rmem_max_lets_it_grow(
    rmem_max: int, fits: bool
) -> None:
    """212 992 is Linux's default ``net.core.rmem_max``: such a host keeps the FIFO."""
    assert udp_kernel_buffer_fits(rmem_max) is fits


@pytest.mark.parametrize(
    "url", [u for u, _ in WHITELIST_TABLE if not u.lower().startswith("udp://")]
)
def test_only_udp_has_a_user_space_fifo_to_size(url: str) -> None:
    assert buffer_args(url, False) == buffer_args(url, True) == []
    assert "-fifo_size" not in input_args(url, 1.0, udp_kernel_buffer=True)


def test_a_copy_channels_probe_may_open_only_the_decoders_named_and_a_transcode_any() -> None:
    options = EngineOptions(
        ffmpeg="ffmpeg",
        segment_seconds=2.0,
        list_size=6,
        input_timeout_s=1.0,
        probe_decoders=("aac", "mp2"),
    )
    copy = Channel(id=1, slug="c", name="c", input_url="udp://239.0.0.1:1234")
    argv = build_args(copy, options, PurePath("/out"), segment_prefix="a0")
    at = argv.index("-codec_whitelist")
    assert argv[at + 1] == "aac,mp2"
    assert at < argv.index("-i")
    for profile in ("720p", "abr-3"):
        transcode = replace(copy, profile=profile)
        assert "-codec_whitelist" not in build_args(
            transcode, options, PurePath("/out"), segment_prefix="a0"
        )
    assert probe_decoder_args(()) == []
    assert "-codec_whitelist" not in input_args("udp://239.0.0.1:1234", 1.0)
