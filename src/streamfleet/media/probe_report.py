"""Reading what a source carries from FFmpeg's input report on stderr.

The wheel has no ffprobe and PyAV's FFmpeg has no SRT, so "probe source" runs
the FFmpeg CLI with the channel's own input options and no output, and this
module turns the ``Input #0`` report it prints into data. Pure: text in, data out.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

_STREAM_RE = re.compile(
    r"^\s*Stream #\d+:(?P<index>\d+)(?:\[0x[0-9a-f]+\])?(?:\([^)]*\))?: "
    r"(?P<kind>Video|Audio|Subtitle|Data): (?P<rest>.*)$"
)
_CODEC_RE = re.compile(r"^(?P<codec>[A-Za-z0-9_]+)(?: \((?P<profile>[^)]*)\))?")
_SIZE_RE = re.compile(r"\b(?P<w>\d{2,5})x(?P<h>\d{2,5})\b")
_FPS_RE = re.compile(r"(?P<fps>\d+(?:\.\d+)?) fps\b")
_HZ_RE = re.compile(r"(?P<hz>\d+) Hz")
_KBPS_RE = re.compile(r"(?P<kbps>\d+) kb/s")
_LAYOUT_RE = re.compile(r"Hz, (?P<layout>[a-z0-9.()]+)")
_DURATION_RE = re.compile(r"Duration: (?P<duration>[^,]+), .*bitrate: (?P<bitrate>\d+|N/A)")
_INPUT_RE = re.compile(r"^Input #0, (?P<format>[^,]+(?:,[^,]+)*?), from ")
_CHANNELS_BY_LAYOUT = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}
_NOISE = ("At least one output file must be specified", "Exiting with exit code")


@dataclass(frozen=True, slots=True)
class ProbedStream:
    index: int
    kind: str
    codec: str
    profile: str | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bitrate_kbps: int | None = None


@dataclass(frozen=True, slots=True)
class ProbeReport:
    ok: bool
    format: str | None = None
    bitrate_kbps: int | None = None
    streams: tuple[ProbedStream, ...] = field(default_factory=tuple)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_probe_report(stderr: str) -> ProbeReport:
    """The streams FFmpeg reported for input #0, or why it could not open the input."""
    lines = stderr.splitlines()
    fmt = None
    bitrate = None
    streams: list[ProbedStream] = []
    in_input = False
    for line in lines:
        if line.startswith("Input #0"):
            in_input = True
            match = _INPUT_RE.match(line)
            fmt = match.group("format") if match else None
            continue
        if in_input and line and not line.startswith(" "):
            in_input = False  # "Stream mapping:", "Output #0" …: the input report is over
        if not in_input:
            continue
        if (duration := _DURATION_RE.search(line)) and duration.group("bitrate") != "N/A":
            bitrate = int(duration.group("bitrate"))
        if stream := _parse_stream(line):
            streams.append(stream)
    if streams:
        return ProbeReport(True, fmt, bitrate, tuple(streams))
    return ProbeReport(False, fmt, bitrate, (), _last_error(lines))


def _parse_stream(line: str) -> ProbedStream | None:
    match = _STREAM_RE.match(line)
    if match is None:
        return None
    rest = match.group("rest")
    codec_match = _CODEC_RE.match(rest)
    codec = codec_match.group("codec") if codec_match else "unknown"
    profile = codec_match.group("profile") if codec_match else None
    kind = match.group("kind").lower()
    size = _SIZE_RE.search(rest) if kind == "video" else None
    fps = _FPS_RE.search(rest) if kind == "video" else None
    hz = _HZ_RE.search(rest) if kind == "audio" else None
    layout = _LAYOUT_RE.search(rest) if kind == "audio" else None
    kbps = _KBPS_RE.search(rest)
    return ProbedStream(
        index=int(match.group("index")),
        kind=kind,
        codec=codec,
        profile=profile if profile and not profile.startswith("[") else None,
        width=int(size.group("w")) if size else None,
        height=int(size.group("h")) if size else None,
        fps=float(fps.group("fps")) if fps else None,
        sample_rate=int(hz.group("hz")) if hz else None,
        channels=_channels(layout.group("layout")) if layout else None,
        bitrate_kbps=int(kbps.group("kbps")) if kbps else None,
    )


def _channels(layout: str) -> int | None:
    if layout in _CHANNELS_BY_LAYOUT:
        return _CHANNELS_BY_LAYOUT[layout]
    match = re.match(r"(\d+) channels", layout)
    return int(match.group(1)) if match else None


_CONTEXT_RE = re.compile(r"^\[[^\]]+ @ 0x[0-9a-f]+\] ")


def _last_error(lines: list[str]) -> str:
    """The most specific error line: the first one a protocol or demuxer logged."""
    texts = [line.strip() for line in lines if line.strip() and not line.startswith(_NOISE)]
    for text in texts:
        if _CONTEXT_RE.match(text) and not text.startswith("[in#"):
            return _CONTEXT_RE.sub("", text)
    return _CONTEXT_RE.sub("", texts[-1]) if texts else "FFmpeg reported no input streams"


def probe_report_of(data: dict[str, Any]) -> ProbeReport:
    """A report back from its ``to_dict`` form (a worker's answer to a probe command); what
    does not fit the fields is left out, a missing ``ok`` reads as a failed probe."""
    names = {f.name for f in fields(ProbedStream)}
    streams = tuple(
        ProbedStream(**{k: v for k, v in stream.items() if k in names})
        for stream in data.get("streams") or ()
        if isinstance(stream, dict) and {"index", "kind", "codec"} <= stream.keys()
    )
    return ProbeReport(
        ok=bool(data.get("ok", False)),
        format=data.get("format"),
        bitrate_kbps=data.get("bitrate_kbps"),
        streams=streams,
        error=data.get("error"),
    )
