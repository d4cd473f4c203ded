"""The output-side watchdog: a playlist that stops changing while progress goes on."""

from __future__ import annotations

import pytest

from streamfleet.engine.output_watch import output_stall


@pytest.mark.parametrize(
    ("idle_s", "segments", "target_s", "stalled"),
    [
        (6.9, 3, 2.0, False),  # 3 x 2 s + 1 s allowed
        (7.1, 3, 2.0, True),
        (12.0, 0, None, False),  # before the first segment: the start-up allowance (15 s)
        (15.5, 0, None, True),
        (20.0, 5, 10.0, False),  # a 10 s GOP makes 10 s segments: 31 s allowed
        (31.5, 5, 10.0, True),
    ],
)
def test_the_playlist_may_rest_three_segment_lengths_plus_a_second(
    idle_s: float, segments: int, target_s: float | None, stalled: bool
) -> None:
    reason = output_stall(100.0 + idle_s, 100.0, segments, target_s, 2.0, 15.0)
    assert (reason is not None) is stalled
    if stalled:
        assert reason == f"playlist not updated for {idle_s:.0f} s"
