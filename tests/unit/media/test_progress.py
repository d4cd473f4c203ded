"""Parsing ``-progress`` blocks, whatever the chunking and whatever the bytes."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.media.progress import Progress, ProgressParser

BLOCK = (
    b"frame=134\nfps=25.00\nstream_0_0_q=-1.0\nbitrate=N/A\ntotal_size=N/A\n"
    b"out_time_us=8362667\nout_time_ms=8362667\nout_time=00:00:08.362667\n"
    b"dup_frames=0\ndrop_frames=2\nspeed=1.19x\nprogress=continue\n"
)
END_BLOCK = BLOCK.replace(b"progress=continue", b"progress=end")


def test_a_block_from_ffmpeg_9_becomes_typed_fields_with_na_as_none() -> None:
    (block,) = ProgressParser().feed(BLOCK)
    assert block == Progress(
        frame=134,
        fps=25.0,
        out_time_us=8362667,
        dup_frames=0,
        drop_frames=2,
        speed=1.19,
        total_size=None,
        ended=False,
    )


def test_progress_end_marks_the_last_block() -> None:
    blocks = ProgressParser().feed(BLOCK + END_BLOCK)
    assert [b.ended for b in blocks] == [False, True]


def test_out_time_ms_is_used_when_out_time_us_is_missing() -> None:
    (block,) = ProgressParser().feed(b"out_time_ms=5000000\nprogress=continue\n")
    assert block.out_time_us == 5000000


def test_a_line_split_between_chunks_is_joined() -> None:
    parser = ProgressParser()
    assert parser.feed(BLOCK[:50]) == []
    assert parser.feed(BLOCK[50:]) == ProgressParser().feed(BLOCK)


@given(st.lists(st.integers(min_value=0, max_value=len(BLOCK) * 3), max_size=12))
def test_any_chunking_of_the_stream_gives_the_same_blocks(cuts: list[int]) -> None:
    stream = BLOCK + END_BLOCK + BLOCK
    points = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    parser = ProgressParser()
    blocks = []
    for start, end in itertools.pairwise(points):
        blocks += parser.feed(stream[start:end])
    assert blocks == ProgressParser().feed(stream)


@given(st.binary(max_size=2000))
def test_garbage_never_raises_and_yields_only_blocks(data: bytes) -> None:
    for block in ProgressParser().feed(data):
        assert isinstance(block, Progress)


@given(
    st.integers(min_value=-(2**62), max_value=2**62),
    st.text(alphabet="0123456789.-xNA/e", max_size=12),
)
def test_numbers_and_odd_values_parse_or_become_none(out_time: int, speed: str) -> None:
    data = f"out_time_us={out_time}\nspeed={speed}\nprogress=continue\n".encode()
    (block,) = ProgressParser().feed(data)
    assert block.out_time_us == out_time
    assert block.speed is None or isinstance(block.speed, float)


def test_an_endless_line_is_dropped_instead_of_kept_in_memory() -> None:
    parser = ProgressParser()
    for _ in range(100):
        parser.feed(b"x" * 10_000)
    assert parser.feed(b"\nout_time_us=1\nprogress=continue\n")[0].out_time_us == 1
