"""How the command line names contenders and sizes the offline phase."""

import pytest
from bench.__main__ import build_parser, options_from
from bench.options import BenchOptions, parse_contenders
from bench.results import BARE, NGINX, STREAMFLEET


def test_contenders_are_named_by_letter_or_by_name_in_the_order_given() -> None:
    assert parse_contenders("a,b,c") == (BARE, STREAMFLEET, NGINX)
    assert parse_contenders("nginx-rtmp, bare") == (NGINX, BARE)
    assert parse_contenders("a,a,bare-ffmpeg") == (BARE,)


def test_an_unknown_contender_is_refused_with_the_known_names() -> None:
    with pytest.raises(ValueError, match="unknown contender 'd'; use one of a, b, bare"):
        parse_contenders("a,d")


def test_a_third_of_the_sources_are_stopped_but_never_more_than_ten() -> None:
    assert BenchOptions(channels=3).sources_to_stop == 1
    assert BenchOptions(channels=12).sources_to_stop == 4
    assert BenchOptions(channels=60).sources_to_stop == 10
    assert BenchOptions(channels=60, offline_sources=0).sources_to_stop == 0


def test_a_soak_lengthens_the_window_and_runs_streamfleet_alone() -> None:
    options = options_from(build_parser().parse_args(["--soak", "1800"]))
    assert options.window_s == 1800
    assert options.contenders == (STREAMFLEET,)
    assert options.soak


def test_the_default_run_is_sixty_channels_for_sixty_seconds_on_all_three() -> None:
    options = options_from(build_parser().parse_args([]))
    assert (options.channels, options.window_s, options.warmup_s) == (60, 60, 10)
    assert options.contenders == (BARE, STREAMFLEET, NGINX)
