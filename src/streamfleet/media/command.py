"""The whole FFmpeg argument list for one channel: pure, a list, never a shell string.

``build_args(channel, options, output_dir, source=…)`` joins the global
options, the input options of the source's protocol (``input_args``), the
profile's mapping and codecs (``encode_args``) and the HLS muxer
(``hls_args``). The source URL appears exactly once, right after ``-i``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from streamfleet.domain import rtmp_push, srt
from streamfleet.domain.channel import Channel, IngestMode
from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.profiles import Profile, get_profile
from streamfleet.media.encode_args import encode_args, seconds_text
from streamfleet.media.hls_args import HlsLayout, HlsOptions, hls_args
from streamfleet.media.input_args import input_args, protocol_whitelist

PROGRESS_PERIOD_S: Final = 0.5
LOG_LEVEL: Final = "repeat+level+warning"
"""Warnings and errors only: stderr stays quiet while healthy, and says why when not."""


class SourceRole(enum.StrEnum):
    PRIMARY = "primary"
    BACKUP = "backup"


@dataclass(frozen=True, slots=True)
class CopyBinary:
    """A second FFmpeg for copy channels (``Settings.copy_ffmpeg_path``): a lean build holds
    a fraction of the default binary's memory per channel (docs/engine.md, "A lean FFmpeg
    for copy channels")."""

    path: str
    readable: frozenset[str]
    """Its input protocols and demuxers (``ffmpeg_decoders.input_names``)."""
    probe_decoders: tuple[str, ...] = ()
    """Its audio decoders (``EngineOptions.probe_decoders``, for this binary)."""

    def reads(self, url: str) -> bool:
        """Whether it has everything FFmpeg may open for ``url`` (its protocol whitelist)."""
        return set(protocol_whitelist(url).split(",")) <= self.readable


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """The server-wide values the builder needs (derived from ``Settings`` by the engine)."""

    ffmpeg: str
    segment_seconds: float
    list_size: int
    input_timeout_s: float
    progress_period_s: float = PROGRESS_PERIOD_S
    rtmp_pull_url: str = "rtmp://127.0.0.1:1935/live"
    """nginx-rtmp's application a ``push_rtmp`` channel is read from (``Settings``)."""
    udp_kernel_buffer: bool = False
    """UDP inputs read the socket with a large kernel buffer instead of FFmpeg's FIFO thread
    (``input_args.UDP_SOCKET_BUFFER_BYTES``; the engine asks the host whether it fits)."""
    probe_decoders: tuple[str, ...] = ()
    """The binary's audio decoders: the only ones a copy channel's stream probe may open
    (``input_args.probe_decoder_args``; the engine lists them when it is built)."""
    copy_binary: CopyBinary | None = None
    """Runs the copy channels whose source it can read; ``None``: ``ffmpeg`` runs all."""


def profile_of(channel: Channel) -> Profile:
    profile = get_profile(channel.profile)
    if profile is None:
        raise InvalidInput.of("profile", f"unknown profile '{channel.profile}'")
    return profile


def hls_options(channel: Channel, options: EngineOptions, *, segment_prefix: str) -> HlsOptions:
    """The server's HLS settings with the channel's overrides applied."""
    return HlsOptions(
        segment_seconds=channel.hls.segment_seconds or options.segment_seconds,
        list_size=channel.hls.list_size or options.list_size,
        segment_prefix=segment_prefix,
    )


def input_url(
    channel: Channel, source: SourceRole = SourceRole.PRIMARY, *, rtmp_pull_url: str = ""
) -> str:
    """The URL FFmpeg opens: the channel's SRT listener, its push on nginx-rtmp (read from
    ``rtmp_pull_url``), its backup, or its primary URL."""
    if channel.ingest_mode is IngestMode.PUSH_RTMP:
        if not rtmp_pull_url:
            raise InvalidInput.of("ingest_mode", "push_rtmp needs the RTMP pull URL setting")
        return rtmp_push.pull_url(rtmp_pull_url, channel.id)
    if channel.ingest_mode is IngestMode.LISTEN_SRT:
        if channel.listen_port is None:
            raise InvalidInput.of("listen_port", "a listening channel needs a listen port")
        return srt.listener_url(channel.listen_port, channel.passphrase or "")
    if source is SourceRole.BACKUP:
        if not channel.backup_url:
            raise InvalidInput.of("backup_url", "the channel has no backup URL")
        return channel.backup_url
    return channel.input_url


def binary_for(profile: Profile, url: str, options: EngineOptions) -> tuple[str, tuple[str, ...]]:
    """The FFmpeg that runs a channel reading ``url``, with its audio decoders: the copy
    binary for a copy channel whose source it can read, else the server's."""
    copy = options.copy_binary
    if profile.is_copy and copy is not None and copy.reads(url):
        return copy.path, copy.probe_decoders
    return options.ffmpeg, options.probe_decoders


def global_args(ffmpeg: str) -> list[str]:
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-nostats",
        "-loglevel",
        LOG_LEVEL,
        "-xerror",
        "-y",
    ]


def progress_args(options: EngineOptions) -> list[str]:
    return ["-progress", "pipe:1", "-stats_period", seconds_text(options.progress_period_s)]


def build_args(
    channel: Channel,
    options: EngineOptions,
    output_dir: PurePath,
    *,
    segment_prefix: str,
    source: SourceRole = SourceRole.PRIMARY,
    epoch: int | None = None,
) -> list[str]:
    """The argument list (``argv[0]`` is FFmpeg) that turns the channel's source into HLS;
    the child's segment names start with ``segment_prefix`` (``hls_args.segment_prefix``), and
    its private playlists carry the lease ``epoch`` on a fleet."""
    profile = profile_of(channel)
    hls = hls_options(channel, options, segment_prefix=segment_prefix)
    url = input_url(channel, source, rtmp_pull_url=options.rtmp_pull_url)
    ffmpeg, decoders = binary_for(profile, url, options)
    return [
        *global_args(ffmpeg),
        *input_args(
            url,
            None if channel.ingest_mode is IngestMode.PUSH_RTMP else options.input_timeout_s,
            udp_kernel_buffer=options.udp_kernel_buffer,
            probe_decoders=decoders if profile.is_copy else (),
        ),
        *encode_args(profile, hls.segment_seconds),
        *progress_args(options),
        *hls_args(HlsLayout(output_dir, profile, epoch), hls),
    ]


PROBE_SECONDS: Final = 1.0


def probe_args(options: EngineOptions, url: str) -> list[str]:
    """A short read of ``url`` that exits 0 only when the source delivers media (backup
    switch-back); nothing is written."""
    return [
        *global_args(options.ffmpeg),
        *input_args(url, options.input_timeout_s, udp_kernel_buffer=options.udp_kernel_buffer),
        "-map",
        "0:v:0?",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-t",
        seconds_text(PROBE_SECONDS),
        "-f",
        "null",
        "-",
    ]


def report_args(ffmpeg: str, url: str, input_timeout_s: float) -> list[str]:
    """Open ``url`` with the channel's input options and no output: FFmpeg prints its
    ``Input #0`` report (what the source carries) on stderr and exits (the "probe source"
    action; see ``media/probe_report.py``)."""
    return [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "info",
        *input_args(url, input_timeout_s),
    ]
