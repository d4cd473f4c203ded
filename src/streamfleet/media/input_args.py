"""FFmpeg input options per source protocol (the SRT URLs are ``domain.srt``'s).

Facts behind each choice (measured on FFmpeg 9.0.2, see ``media-stack.md``):

- UDP/RTP never give up on a dead source unless a ``timeout`` (µs) is set;
  ``-rw_timeout`` does nothing there. UDP takes ``-timeout``; the RTP demuxer
  refuses that option, so RTP gets ``?timeout=`` in its URL.
- RTMP gives up after about twice ``-rw_timeout``. Its ``-timeout`` would turn
  the client into a *listener*, so it is never passed for RTMP.
- SRT has its own ``-timeout`` (µs) for a stalled peer; a listener waits for
  its publisher forever (``listen_timeout`` stays infinite).
- ``-protocol_whitelist`` names only what the scheme needs: plain HTTP needs
  ``http,tcp``, HTTPS ``https,tls,tcp``, AES-128 HLS adds ``crypto``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from streamfleet.domain.errors import InvalidInput
from streamfleet.domain.url_policy import scheme_of

WHITELISTS: Final[dict[str, str]] = {
    "udp": "udp",
    "rtp": "rtp,udp",
    "rtmp": "rtmp,tcp",
    "rtmps": "rtmps,tls,tcp",
    "srt": "srt",
    "rist": "rist",
    "rtsp": "rtsp,rtp,udp,tcp",
    "rtsps": "rtsps,rtp,udp,tcp,tls",
    "http": "http,tcp,crypto",
    "https": "https,tls,tcp,crypto",
}
"""Scheme → the only protocols FFmpeg may open for it (nested playlists included)."""

PROBE_ARGS: Final[tuple[str, ...]] = (
    "-probesize",
    "1000000",
    "-analyzeduration",
    "2000000",
)
"""Low-latency probing: stop as soon as every stream is known, never wait over 2 s.

No ``-fflags nobuffer``: it drops the packets read while probing, which hold
the first keyframe, so output would wait a whole GOP longer."""


def probe_decoder_args(decoders: Sequence[str]) -> list[str]:
    """The decoders FFmpeg's stream probe may open (``-codec_whitelist``), for a copy channel.

    The probe decodes a few frames of every stream whose parameters its parser left open.
    Its video decoder, once opened, leaves about 0.8 MiB per channel resident for the
    child's whole life (mostly the heap its 720p frames grew; docs/engine.md, "Memory per
    channel"). A copy channel needs none of it: the video parser gives the size
    and pixel format, so only audio decoders (an AAC stream's sample rate needs one) are
    named. The refused video decoder logs two lines per start, which ``log_lines`` counts as
    join noise. Never for a transcoding channel: FFmpeg hands the option to its own decoders
    too. ``decoders`` empty (the binary could not list them): no limit."""
    return ["-codec_whitelist", ",".join(decoders)] if decoders else []


UDP_FIFO_PACKETS: Final = 4096
"""The UDP input's circular buffer, in 188-byte packets, where the kernel's socket buffer cannot
be made large enough (``UDP_SOCKET_BUFFER_BYTES``): 770 kB, about 2 s of a 3 Mb/s source (1 s
at 6 Mb/s). FFmpeg's default (28 672 packets, 5.4 MB) is ~14 s at 3 Mb/s and, once the buffer
has wrapped, every byte of it is resident: 4.4 MB of PSS per channel more. The buffer is what
absorbs a stall of the output (a segment write that blocks on a slow volume) while FFmpeg's
receive thread keeps reading the socket (see docs/engine.md, "Memory per channel")."""

UDP_SOCKET_BUFFER_BYTES: Final = 2 * 1024 * 1024
"""The UDP socket's receive buffer asked for (``-buffer_size``) when the input reads the socket
itself, with no FIFO and no receive thread (``-fifo_size 0``). The kernel books each datagram at
its ``truesize`` against twice this (an estimate, not measured: 3-6 s of a 3 Mb/s source at
2-4 kB per 1316-byte datagram; the tests show 1 s of stall and 0.5 s bursts absorbed); unlike
the FIFO it holds memory only while FFmpeg lags. The kernel caps the
request at ``net.core.rmem_max``: ``udp_kernel_buffer`` is chosen only where that allows it.
Measured (docs/engine.md, "The UDP input's buffer"): 7-18 % less FFmpeg CPU per copy
channel, the receive thread's hand-off of every datagram gone."""


def udp_kernel_buffer_fits(rmem_max_bytes: int) -> bool:
    """Whether the kernel lets a socket buffer reach ``UDP_SOCKET_BUFFER_BYTES``."""
    return rmem_max_bytes >= UDP_SOCKET_BUFFER_BYTES


def protocol_whitelist(url: str) -> str:
    """The ``-protocol_whitelist`` value for ``url``'s scheme (``InvalidInput`` if unknown)."""
    scheme = scheme_of(url)
    try:
        return WHITELISTS[scheme]
    except KeyError:
        raise InvalidInput.of("input_url", f"scheme '{scheme}' has no input profile") from None


def timeout_args(url: str, input_timeout_s: float) -> list[str]:
    """The options that make FFmpeg give up on a silent source of ``url``'s scheme
    (RTP takes its timeout in the URL instead, see ``with_timeout``)."""
    micros = str(round(input_timeout_s * 1_000_000))
    scheme = scheme_of(url)
    if scheme == "rtp":
        return []
    if scheme in ("udp", "srt", "rtsp", "rtsps"):
        args = ["-timeout", micros]
        if scheme in ("rtsp", "rtsps"):
            args = ["-rtsp_transport", "tcp", *args]
        if scheme == "udp":
            args += ["-overrun_nonfatal", "1"]
        return args
    # rtmp, rtmps, rist, http, https: the generic AVIOContext read timeout.
    return ["-rw_timeout", micros]


def buffer_args(url: str, udp_kernel_buffer: bool) -> list[str]:
    """The input buffer options of ``url``'s scheme (only UDP has buffers to size): the kernel's
    socket buffer read directly, or, where the kernel caps it too low, FFmpeg's FIFO."""
    if scheme_of(url) != "udp":
        return []
    if udp_kernel_buffer:
        return ["-fifo_size", "0", "-buffer_size", str(UDP_SOCKET_BUFFER_BYTES)]
    return ["-fifo_size", str(UDP_FIFO_PACKETS)]


def with_timeout(url: str, input_timeout_s: float) -> str:
    """``url`` with ``timeout=<µs>`` in its query for RTP, whose demuxer refuses ``-timeout``
    (measured: ``Option timeout not found``; ``-rw_timeout`` never fires). Other URLs as given."""
    if scheme_of(url) != "rtp" or "timeout=" in url.partition("?")[2]:
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timeout={round(input_timeout_s * 1_000_000)}"


def input_args(
    url: str,
    input_timeout_s: float | None,
    *,
    udp_kernel_buffer: bool = False,
    probe_decoders: Sequence[str] = (),
) -> list[str]:
    """Everything before and including ``-i url``; the URL appears only right after ``-i``.

    ``input_timeout_s`` ``None``: wait for the first packet without a limit (a ``push_rtmp``
    channel's read from nginx-rtmp idles until its publisher comes; the stall watchdog ends
    it once data has flowed and stops, and nginx ends it when the publisher leaves).
    ``probe_decoders``: see ``probe_decoder_args`` (copy channels only)."""
    probe = [*PROBE_ARGS, *probe_decoder_args(probe_decoders)]
    if input_timeout_s is None:
        return ["-protocol_whitelist", protocol_whitelist(url), *probe, "-i", url]
    return [
        "-protocol_whitelist",
        protocol_whitelist(url),
        *probe,
        *timeout_args(url, input_timeout_s),
        *buffer_args(url, udp_kernel_buffer),
        "-i",
        with_timeout(url, input_timeout_s),
    ]
