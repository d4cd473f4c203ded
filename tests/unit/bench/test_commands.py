"""The argument lists and config the benchmark starts its processes with."""

from pathlib import Path

from bench.clip import clip_args, clip_name
from bench.contenders.bare_ffmpeg import bare_ffmpeg_args
from bench.contenders.nginx_rtmp import nginx_conf
from bench.contenders.streamfleet import channel_body, serve_env, spread
from bench.contenders.streamfleet_api import metric_sum
from bench.feeders import feeder_args, rtmp_push_url, udp_push_url


def test_the_clip_is_720p25_h264_3m_with_a_two_second_gop_and_aac() -> None:
    args = clip_args(Path("/c/clip.ts"), seconds=20)
    assert "testsrc2=size=1280x720:rate=25" in args
    for option, value in (("-g", "50"), ("-b:v", "3M"), ("-c:a", "aac"), ("-t", "20")):
        assert args[args.index(option) + 1] == value
    assert args[-1] == "/c/clip.ts"


def test_the_clip_name_changes_when_its_arguments_do() -> None:
    assert clip_name(20) != clip_name(30)
    assert clip_name(20) == clip_name(20)


def test_a_feeder_loops_the_clip_in_real_time_and_copies_it_to_its_target() -> None:
    udp = feeder_args("ff", Path("/c/clip.ts"), udp_push_url(20001))
    assert udp[udp.index("-stream_loop") + 1] == "-1"
    assert "-re" in udp
    assert udp[-3:] == ["-f", "mpegts", "udp://127.0.0.1:20001?pkt_size=1316"]
    rtmp = feeder_args("ff", Path("/c/clip.ts"), rtmp_push_url(1935, "ch07"))
    assert rtmp[-3:] == ["-f", "flv", "rtmp://127.0.0.1:1935/live/ch07"]


def test_bare_ffmpeg_copies_udp_to_hls_with_streamfleets_segment_and_list_size() -> None:
    args = bare_ffmpeg_args("ff", 20001, Path("/w/ch00/index.m3u8"), 2.0, 6)
    assert args[args.index("-i") + 1] == "udp://127.0.0.1:20001?timeout=2000000"
    assert args[args.index("-hls_time") + 1] == "2"
    assert args[args.index("-hls_list_size") + 1] == "6"
    assert "-progress" not in args
    assert args[-1] == "/w/ch00/index.m3u8"


def test_the_nginx_config_is_self_contained_in_its_prefix() -> None:
    conf = nginx_conf(
        Path("/w/nginx"), Path("/usr/lib/nginx/modules/ngx_rtmp_module.so"), 19350, 2.0, 6, False
    )
    assert "daemon off;" in conf
    assert "pid /w/nginx/nginx.pid;" in conf
    assert "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;" in conf
    assert "listen 127.0.0.1:19350;" in conf
    assert "hls_path /w/nginx/hls;" in conf
    assert "hls_fragment 2s;" in conf
    assert "hls_playlist_length 12s;" in conf
    assert "user" not in conf


def test_serve_gets_a_clean_environment_with_its_own_data_dir() -> None:
    env = serve_env(Path("/w/data"))
    assert env["STREAMFLEET_DATA_DIR"] == "/w/data"
    assert env["STREAMFLEET_DEMO"] == "false"
    assert not [
        k
        for k in env
        if k.startswith("STREAMFLEET_")
        and k
        not in (
            "STREAMFLEET_DATA_DIR",
            "STREAMFLEET_DEMO",
        )
    ]


def test_channels_are_named_bench_nn_on_their_udp_port() -> None:
    assert channel_body(7, 20007) == {
        "name": "bench-07",
        "input_url": "udp://127.0.0.1:20007",
        "recording": False,
    }
    assert channel_body(7, 20007, recording=True)["recording"] is True


def test_stopped_sources_are_spread_over_all_channels() -> None:
    assert spread(10, 60) == [0, 6, 12, 18, 24, 30, 36, 42, 48, 54]
    assert spread(1, 3) == [0]
    assert spread(5, 3) == [0, 1, 2]
    assert spread(0, 3) == []


def test_a_metric_is_summed_over_its_labels_and_absent_is_none() -> None:
    page = "\n".join(
        [
            "# HELP streamfleet_thumbnail_cpu_seconds_total CPU",
            "# TYPE streamfleet_thumbnail_cpu_seconds_total counter",
            'streamfleet_thumbnail_cpu_seconds_total{worker="0"} 1.5',
            'streamfleet_thumbnail_cpu_seconds_total{worker="1"} 2.25 1700000000',
            "streamfleet_thumbnail_cpu_seconds_created 1.7e9",
        ]
    )
    assert metric_sum(page, "streamfleet_thumbnail_cpu_seconds_total") == 3.75
    assert metric_sum(page, "streamfleet_missing_total") is None
