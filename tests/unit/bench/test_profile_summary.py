"""The short table the report makes from a py-spy profile of streamfleet serve."""

from bench.profile_summary import summarize_collapsed

LOOP = "run (asyncio/base_events.py:600);_run_once (asyncio/base_events.py:1910)"
READ = "read (streamfleet/media/progress.py"
RAW = "\n".join(
    [
        f"{LOOP};select (selectors.py:468) 60",
        f"{LOOP};tick (streamfleet/engine/runner.py:470);{READ}:40) 30",
        f"{LOOP};tick (streamfleet/engine/runner.py:480);{READ}:41) 10",
        "not a stack line",
    ]
)


def test_functions_are_ranked_by_own_share_and_ours_by_inclusive_share() -> None:
    summary = summarize_collapsed(RAW, top=5)
    assert summary.samples == 100
    assert summary.self_top[0] == ("select (selectors.py)", 0.6)
    assert summary.self_top[1] == ("read (streamfleet/media/progress.py)", 0.4)
    assert summary.inclusive_top == [
        ("read (streamfleet/media/progress.py)", 0.4),
        ("tick (streamfleet/engine/runner.py)", 0.4),
    ]


def test_an_empty_profile_has_no_rows() -> None:
    assert summarize_collapsed("").self_top == []
