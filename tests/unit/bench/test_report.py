"""The Markdown table and JSON a run leaves in bench/results/."""

import json

from bench.report import render_markdown, report_stem, to_json
from bench.results import BARE, NGINX, STREAMFLEET, BenchResult, ContenderResult
from bench.targets import compute_ratios, evaluate_targets


def sample_result() -> BenchResult:
    r = BenchResult(
        started_at="2026-11-24T20:00:00Z",
        channels=3,
        window_s=10,
        warmup_s=3,
        machine={"cores": 2, "memory_mib": 24105, "cpu_model": "AMD EPYC", "kernel": "6.1"},
        versions={"python": "3.11.7", "ffmpeg": "FFmpeg n9.0.2", "streamfleet": "0.1.0"},
        params={},
        contenders=[
            ContenderResult(
                name=BARE,
                channels=3,
                cpu_core_pct=1.3,
                cpu_core_pct_per_channel=0.4333,
                pss_mib=71.0,
                pss_mib_per_channel=23.67,
                processes=3,
                all_advancing_s=5.6,
                cpu_by_process={"ffmpeg-linux-x8": 1.3},
                pss_by_process={"ffmpeg-linux-x8": 71.0},
            ),
            ContenderResult(name=STREAMFLEET, channels=3, error="serve exited"),
            ContenderResult(name=NGINX, channels=3, skipped="nginx is not installed"),
        ],
    )
    r.ratios = compute_ratios(r)
    r.targets = [t.as_dict() for t in evaluate_targets(r)]
    return r


def test_the_table_has_a_row_per_contender_with_why_one_was_skipped_or_failed() -> None:
    text = render_markdown(sample_result())
    assert "| bare FFmpeg | 1.3 | 0.433 | 71 | 23.7 | 3 | 5.6 s |" in text
    assert "| streamfleet | failed: serve exited |" in text
    assert "| nginx-rtmp | skipped: nginx is not installed |" in text
    assert "2 cores (AMD EPYC), 23.5 GiB" in text


def test_targets_that_could_not_be_measured_say_so() -> None:
    text = render_markdown(sample_result())
    assert "| CPU streamfleet / bare FFmpeg | ≤ 1.1 | - | not measured |" in text


def test_the_json_is_strict_and_holds_every_contender() -> None:
    data = json.loads(to_json(sample_result()))
    assert [c["name"] for c in data["contenders"]] == [BARE, STREAMFLEET, NGINX]
    assert data["ratios"]["cpu"][f"{STREAMFLEET}/{BARE}"] is None


def test_report_files_are_named_by_start_time_and_channel_count() -> None:
    assert report_stem(sample_result()) == "bench-20261124T200000Z-n3"


def test_the_cost_is_split_by_process_name() -> None:
    assert "| bare FFmpeg | ffmpeg-linux-x8 1.30 | ffmpeg-linux-x8 71 |" in render_markdown(
        sample_result()
    )


def test_the_ratios_table_shows_the_cpu_ratio_plain_and_per_feeder_cpu() -> None:
    r = sample_result()
    r.contenders[0].feeders_cpu_core_pct = 35.0
    r.contenders[1] = ContenderResult(
        name=STREAMFLEET, channels=3, cpu_core_pct=1.573, pss_mib=60.0, feeders_cpu_core_pct=38.5
    )
    r.ratios = compute_ratios(r)
    assert "| streamfleet / bare FFmpeg | 1.21 | 1.10 | 0.84 |" in render_markdown(r)
