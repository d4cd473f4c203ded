"""The thumbnail's size: 320 px wide, display aspect kept, even dimensions."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.errors import InvalidInput
from streamfleet.media.thumbnail import thumbnail_size


@pytest.mark.parametrize(
    ("width", "height", "sar", "expected"),
    [
        (1920, 1080, None, (320, 180)),
        (1280, 720, Fraction(1), (320, 180)),
        (640, 480, None, (320, 240)),
        (720, 576, Fraction(16, 15), (320, 240)),  # PAL 4:3
        (720, 576, Fraction(64, 45), (320, 180)),  # PAL 16:9 anamorphic
        (1440, 1080, Fraction(4, 3), (320, 180)),  # HDV
        (1080, 1920, None, (320, 568)),  # portrait
    ],
)
def test_the_thumbnail_keeps_the_display_aspect(
    width: int, height: int, sar: Fraction | None, expected: tuple[int, int]
) -> None:
    """Sample aspect ratios are applied before scaling."""
    assert thumbnail_size(width, height, sar) == expected


@given(st.integers(16, 8192), st.integers(16, 8192))
def test_thumbnail_dimensions_are_always_even_and_positive(width: int, height: int) -> None:
    """yuv420p needs even sizes."""
    out_width, out_height = thumbnail_size(width, height)
    assert out_width == 320
    assert out_height % 2 == 0
    assert out_height >= 2


def test_an_empty_frame_size_is_refused() -> None:
    """0x0 is not a picture."""
    with pytest.raises(InvalidInput, match="frame size 0x0 is empty"):
        thumbnail_size(0, 0)
