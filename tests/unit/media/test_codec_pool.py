"""The codec pool lends decoder/encoder pairs and keeps only a few (no decoding here)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from streamfleet.media.codec_pool import CodecPool


@pytest.mark.parametrize("keep", [2, 0])
def test_borrowing_one_after_another_reuses_the_same_codecs(keep: int) -> None:
    """A caller that gives its codecs back gets them again next time: nothing new is made
    (``keep`` below 1 still keeps one set warm)."""
    pool = CodecPool(keep=keep)
    with pool.borrow() as first:
        pass
    with pool.borrow() as second:
        pass
    assert second is first
    assert (pool.created, pool.idle) == (1, 1)


def test_concurrent_borrowers_each_get_their_own_codecs() -> None:
    """Codecs in use are never lent twice."""
    pool = CodecPool(keep=4)
    with ExitStack() as stack:
        lent = [stack.enter_context(pool.borrow()) for _ in range(3)]
        assert len({id(c) for c in lent}) == 3
        assert {id(c.decoder) for c in lent} != {id(lent[0].decoder)}
    assert (pool.created, pool.idle) == (3, 3)


def test_the_pool_keeps_no_more_idle_codecs_than_it_was_told() -> None:
    """Extra codecs made for a burst are dropped when they come back."""
    pool = CodecPool(keep=2)
    with ExitStack() as stack:
        for _ in range(5):
            stack.enter_context(pool.borrow())
    assert (pool.created, pool.idle) == (5, 2)
