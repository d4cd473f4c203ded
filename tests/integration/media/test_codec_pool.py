"""Shared thumbnail codecs on real segments: each channel still gets its own picture."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streamfleet.media.codec_pool import CodecPool
from streamfleet.media.content_checks import luma_sample, mean_difference
from streamfleet.media.thumbnail import KeyframeDecoder
from tests.support.hls_source import render_hls
from tests.support.image_hash import jpeg_size

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
async def two_channels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The first segment of two channels with different set-ups (picture size)."""
    small = await render_hls(tmp_path_factory.mktemp("small"), seconds=1, audio=None)
    large = await render_hls(
        tmp_path_factory.mktemp("large"),
        video="testsrc2=size=640x360:rate=25",
        seconds=1,
        audio=None,
    )
    return small / "index0.ts", large / "index0.ts"


async def test_one_shared_decoder_gives_each_channel_its_own_picture(
    two_channels: tuple[Path, Path],
) -> None:
    """Alternating channels on one pooled decoder decode exactly as a decoder of their own."""
    small, large = two_channels
    own = {seg: KeyframeDecoder().decode(seg).frame for seg in two_channels}
    pool = CodecPool(keep=1)
    for segment in (small, large, small, large):
        with pool.borrow() as codecs:
            keyframe = codecs.decoder.decode(segment)
            jpeg = codecs.encoder.encode(keyframe)
        expected = own[segment]
        assert (keyframe.frame.width, keyframe.frame.height) == (expected.width, expected.height)
        assert mean_difference(luma_sample(keyframe.frame), luma_sample(expected)) == 0
        assert jpeg_size(jpeg) == (320, 180)
    assert pool.created == 1


async def test_a_frame_stays_intact_after_its_decoder_serves_another_channel(
    two_channels: tuple[Path, Path],
) -> None:
    """Content checks read the frame after the codecs went back to the pool."""
    small, large = two_channels
    pool = CodecPool(keep=1)
    with pool.borrow() as codecs:
        kept = codecs.decoder.decode(large).frame
    before = luma_sample(kept)
    with pool.borrow() as codecs:
        codecs.decoder.decode(small)
        codecs.decoder.decode(large)
    assert mean_difference(luma_sample(kept), before) == 0


async def test_a_segment_copied_between_channels_decodes_the_same_on_a_warm_decoder(
    two_channels: tuple[Path, Path], tmp_path: Path
) -> None:
    """Channels with the same set-up reuse the warm decoder and still see their picture."""
    small, _ = two_channels
    copy = tmp_path / "other.ts"
    shutil.copy(small, copy)
    pool = CodecPool(keep=1)
    with pool.borrow() as codecs:
        first = codecs.decoder.decode(small)
        warm = codecs.decoder._context
        second = codecs.decoder.decode(copy)
        assert codecs.decoder._context is warm  # the same parameter sets: no new set-up
    assert second.fast_path
    assert mean_difference(luma_sample(first.frame), luma_sample(second.frame)) == 0
