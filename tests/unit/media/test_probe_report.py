"""What ``parse_probe_report`` reads from FFmpeg's input report (captured from FFmpeg 9.0.2)."""

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.probe_report import (
    ProbedStream,
    ProbeReport,
    parse_probe_report,
    probe_report_of,
)

TS_REPORT = """\
Input #0, mpegts, from 'udp://127.0.0.1:20001':
  Duration: N/A, start: 1.458667, bitrate: N/A
  Program 1
    Metadata:
      service_name    : Service01
      service_provider: FFmpeg
  Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), \
1280x720 [SAR 1:1 DAR 16:9], 25 fps, 25 tbr, 90k tbn, start 1.480000
  Stream #0:1[0x101]: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, stereo, fltp, \
130 kb/s, start 1.458667
At least one output file must be specified
"""

FILE_REPORT = """\
Input #0, mpegts, from 'clip.ts':
  Duration: 00:00:04.02, start: 1.458667, bitrate: 3246 kb/s
  Stream #0:0[0x100]: Video: hevc (Main) ([36][0][0][0] / 0x0024), yuv420p(tv), 1920x1080, 50 fps
  Stream #0:1[0x101](eng): Audio: mp2 ([3][0][0][0] / 0x0003), 44100 Hz, mono, fltp, 64 kb/s
"""

REFUSED_REPORT = """\
[tcp @ 0x55bd37d10780] Connection to tcp://127.0.0.1:1 failed: Connection refused
[in#0 @ 0x55bd37d0cd00] Error opening input: Connection refused
Error opening input file http://127.0.0.1:1/x.m3u8.
Error opening input files: Connection refused
"""

SILENT_UDP_REPORT = """\
[in#0 @ 0x5605b24cce40] Error opening input: Input/output error
Error opening input file udp://127.0.0.1:45999.
Error opening input files: Input/output error
"""


def test_video_and_audio_streams_of_a_live_ts_source_are_read() -> None:
    report = parse_probe_report(TS_REPORT)
    assert report.ok
    assert report.format == "mpegts"
    assert report.bitrate_kbps is None
    video, audio = report.streams
    assert (video.kind, video.codec, video.profile) == ("video", "h264", "High")
    assert (video.width, video.height, video.fps) == (1280, 720, 25.0)
    assert (audio.kind, audio.codec, audio.profile) == ("audio", "aac", "LC")
    assert (audio.sample_rate, audio.channels, audio.bitrate_kbps) == (48000, 2, 130)


def test_container_bitrate_language_tags_and_mono_audio_are_read() -> None:
    report = parse_probe_report(FILE_REPORT)
    assert report.bitrate_kbps == 3246
    video, audio = report.streams
    assert (video.codec, video.width, video.height, video.fps) == ("hevc", 1920, 1080, 50.0)
    assert (audio.index, audio.codec, audio.channels, audio.sample_rate) == (1, "mp2", 1, 44100)


def test_a_refused_connection_reports_the_protocols_own_error() -> None:
    report = parse_probe_report(REFUSED_REPORT)
    assert not report.ok
    assert report.error == "Connection to tcp://127.0.0.1:1 failed: Connection refused"


def test_a_silent_source_reports_ffmpegs_last_error_line() -> None:
    report = parse_probe_report(SILENT_UDP_REPORT)
    assert not report.ok
    assert report.error == "Error opening input files: Input/output error"


def test_output_streams_are_not_taken_for_input_streams() -> None:
    text = TS_REPORT + "Output #0, null, to 'pipe:':\n  Stream #0:0: Video: wrapped_avframe, 1x1\n"
    assert len(parse_probe_report(text).streams) == 2


@given(st.text())
def test_any_text_gives_a_report_and_never_raises(text: str) -> None:
    report = parse_probe_report(text)
    assert report.ok == bool(report.streams)
    assert report.ok or report.error


def test_a_report_survives_its_dict_form_and_unknown_keys_are_dropped() -> None:
    report = ProbeReport(
        ok=True,
        format="mpegts",
        bitrate_kbps=900,
        streams=(ProbedStream(0, "video", "h264", width=640, height=360, fps=25.0),),
    )
    data = report.to_dict()
    data["streams"][0]["surprise"] = 1
    assert probe_report_of(data) == report


def test_a_report_without_ok_reads_as_a_failed_probe() -> None:
    assert probe_report_of({"streams": [{"kind": "video"}]}) == ProbeReport(ok=False)
