"""Synthetic sources: the clip made once with lavfi, and the feeder that loops it."""

from __future__ import annotations

from pathlib import PurePosixPath

from streamfleet.media.test_pattern_args import PatternSpec, clip_args, feeder_args

CLIP = PurePosixPath("/data/demo/clip.ts")


def test_the_clip_has_a_fixed_gop_and_no_scene_cut_keyframes() -> None:
    args = clip_args("ffmpeg", PatternSpec(fps=25, gop_s=2.0), CLIP)
    assert args[args.index("-g") + 1] == "50"
    assert args[args.index("-keyint_min") + 1] == "50"
    assert args[args.index("-sc_threshold") + 1] == "0"
    assert args[-1] == str(CLIP)


def test_source_options_are_joined_with_size_and_rate() -> None:
    plain = clip_args("ffmpeg", PatternSpec("testsrc2", 640, 360), CLIP)
    assert "testsrc2=size=640x360:rate=25" in plain
    moulding = clip_args("ffmpeg", PatternSpec("life=mold=10", 640, 360), CLIP)
    assert "life=mold=10:size=640x360:rate=25" in moulding


def test_a_mute_clip_has_no_audio_input() -> None:
    args = clip_args("ffmpeg", PatternSpec(audio=False), CLIP)
    assert "-an" in args
    assert not any(a.startswith("sine=") for a in args)


def test_the_cache_name_is_a_plain_file_name_that_changes_with_the_spec() -> None:
    name = PatternSpec("life=mold=10:life_color=#00ff80").file_name
    assert "/" not in name
    assert "#" not in name
    assert "=" not in name
    assert name != PatternSpec("life=mold=20:life_color=#00ff80").file_name


def test_a_feeder_loops_in_real_time_or_at_the_rate_asked() -> None:
    live = feeder_args("ffmpeg", CLIP, "udp://127.0.0.1:5000?pkt_size=1316")
    assert live[live.index("-stream_loop") + 1] == "-1"
    assert "-re" in live
    assert live[-3:] == ["-f", "mpegts", "udp://127.0.0.1:5000?pkt_size=1316"]
    slow = feeder_args("ffmpeg", CLIP, "udp://127.0.0.1:5000", rate=0.8)
    assert "-re" not in slow
    assert slow[slow.index("-readrate") + 1] == "0.8"
    rtmp = feeder_args("ffmpeg", CLIP, "rtmp://127.0.0.1:1935/live/x", "flv", listen=True)
    assert rtmp[-5:] == ["-f", "flv", "-listen", "1", "rtmp://127.0.0.1:1935/live/x"]
