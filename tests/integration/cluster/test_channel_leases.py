"""Channel leases on PostgreSQL and MariaDB: claims never overlap, expiry moves a channel to a
higher epoch, and the old holder's renewal and writes are refused."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select, update

from streamfleet.cluster.channel_leases import ChannelLease, LeaseBook
from streamfleet.cluster.db_clock import db_now
from streamfleet.cluster.errors import StaleEpoch
from streamfleet.db.cluster_models import ChannelLeaseRow
from streamfleet.db.models import ChannelRow
from streamfleet.db.session import Database, transaction
from tests.integration.cluster.conftest import OpenDatabase, add_channels
from tests.support.waiting import wait_until

SHORT_TTL_S = 0.5
FENCED_TTL_S = 2.0
CHURN_TTL_S = 0.3
CHURN_ROUNDS = 5
EXPIRY_WAIT_S = 10.0


async def test_three_claimers_share_24_channels_without_overlap(
    open_database: OpenDatabase,
) -> None:
    """Three workers, each on its own connections, claim in rounds of 5 until nothing is left:
    every channel is claimed exactly once and the totals add up to 24."""
    channels = await add_channels(await open_database(), 24)
    books = [LeaseBook(await open_database()) for _ in range(3)]

    async def claim_all(book: LeaseBook, worker: str) -> list[ChannelLease]:
        mine: list[ChannelLease] = []
        while taken := await book.claim(worker, 5):
            mine += taken
        return mine

    started = time.perf_counter()
    results = await asyncio.gather(*(claim_all(b, f"w{i}") for i, b in enumerate(books)))
    elapsed_s = time.perf_counter() - started

    claimed = [lease.channel_id for leases in results for lease in leases]
    assert sorted(claimed) == channels
    assert all(lease.epoch == 1 for leases in results for lease in leases)
    print(f"24 channels claimed by 3 claimers in {elapsed_s * 1000:.0f} ms")


async def test_under_churn_every_claim_gets_its_own_epoch_and_no_epoch_is_skipped(
    open_database: OpenDatabase,
) -> None:
    """Three workers with 0.3 s leases keep claiming channels as they expire, five times each:
    no (channel, epoch) is handed out twice, and each channel's epochs run 1, 2, 3 … without
    a gap, so every claim bumped the epoch exactly once."""
    await add_channels(await open_database(), 4)
    books = [LeaseBook(await open_database(), ttl_s=CHURN_TTL_S) for _ in range(3)]

    async def keep_claiming(book: LeaseBook, worker: str) -> list[tuple[int, int]]:
        claims: list[tuple[int, int]] = []
        for _ in range(CHURN_ROUNDS):
            taken = await wait_until(lambda: book.claim(worker, 2), EXPIRY_WAIT_S, "an expiry")
            claims += [(lease.channel_id, lease.epoch) for lease in taken]
        return claims

    results = await asyncio.gather(*(keep_claiming(b, f"w{i}") for i, b in enumerate(books)))

    claims = [claim for worker_claims in results for claim in worker_claims]
    assert len(claims) == len(set(claims))
    by_channel: dict[int, list[int]] = {}
    for channel_id, epoch in claims:
        by_channel.setdefault(channel_id, []).append(epoch)
    for epochs in by_channel.values():
        assert sorted(epochs) == list(range(1, len(epochs) + 1))


async def test_a_claimer_skips_rows_another_transaction_holds_instead_of_waiting(
    open_database: OpenDatabase,
) -> None:
    """While one transaction holds four lease rows locked, a second claimer takes the other 20
    at once; once the lock is gone, the four can be claimed."""
    database = await open_database()
    channels = await add_channels(database, 24)
    book = LeaseBook(await open_database())
    await book.claim("warm-up", 24)
    await book.release_all("warm-up")
    locked = channels[:4]

    async with database.sessions() as holder, holder.begin():
        await holder.execute(
            select(ChannelLeaseRow).where(ChannelLeaseRow.channel_id.in_(locked)).with_for_update()
        )
        async with asyncio.timeout(5):
            taken = await book.claim("w1", 24)
        assert [lease.channel_id for lease in taken] == channels[4:]

    taken = await book.claim("w2", 24)
    assert [lease.channel_id for lease in taken] == locked


async def test_an_expired_lease_is_taken_over_at_a_higher_epoch_and_the_old_holder_is_fenced(
    open_database: OpenDatabase,
) -> None:
    """Worker A's lease expires; B claims the channel with epoch 2; A's renewal reports it lost
    and A's fenced write raises ``StaleEpoch`` and changes nothing."""
    database = await open_database()
    [channel] = await add_channels(database, 1)
    book_a = LeaseBook(await open_database(), ttl_s=SHORT_TTL_S)
    book_b = LeaseBook(await open_database())
    [old] = await book_a.claim("a", 1)

    new = await wait_until(
        lambda: book_b.claim_specific(channel, "b"), EXPIRY_WAIT_S, "A's lease to expire"
    )

    assert (new.worker_id, new.epoch, old.epoch) == ("b", 2, 1)
    renewal = await book_a.renew("a")
    assert renewal.lost({channel: old.epoch}) == {channel}
    with pytest.raises(StaleEpoch, match="epoch 1"):
        await book_a.assert_current(old)
    with pytest.raises(StaleEpoch):
        async with book_a.fenced(old) as session:
            await session.execute(_set_reason(channel, "written by a stale worker"))
    await book_b.assert_current(new)
    async with book_b.fenced(new) as session:
        await session.execute(_set_reason(channel, "written by the holder"))
    assert await _reason(database, channel) == "written by the holder"


async def test_a_takeover_waits_for_the_fenced_write_in_flight_and_then_bumps_the_epoch(
    open_database: OpenDatabase,
) -> None:
    """A write that passed its epoch check keeps the lease row share-locked until it commits:
    a claim after the expiry passes the row by meanwhile, and takes it once the write is in."""
    database = await open_database()
    [channel] = await add_channels(database, 1)
    book_a = LeaseBook(await open_database(), ttl_s=FENCED_TTL_S)
    book_b = LeaseBook(await open_database())
    [old] = await book_a.claim("a", 1)

    async with book_a.fenced(old) as session:
        await session.execute(_set_reason(channel, "written under epoch 1"))
        await wait_until(lambda: _expired(database, channel), EXPIRY_WAIT_S, "the expiry")
        assert await book_b.claim_specific(channel, "b") is None
        assert await book_b.claim("b", 1) == []

    new = await book_b.claim_specific(channel, "b")
    assert new is not None
    assert new.epoch == old.epoch + 1
    assert await _reason(database, channel) == "written under epoch 1"


async def test_renewal_keeps_live_leases_and_a_held_channel_cannot_be_claimed(
    open_database: OpenDatabase,
) -> None:
    """Renewing extends every lease of the worker; another worker's claims find nothing."""
    database = await open_database()
    await add_channels(database, 3)
    book_a, book_b = LeaseBook(await open_database()), LeaseBook(await open_database())
    mine = await book_a.claim("a", 10)

    renewal = await book_a.renew("a")

    assert renewal.lost({lease.channel_id: lease.epoch for lease in mine}) == set()
    assert all(renewal.held[m.channel_id].expires_at >= m.expires_at for m in mine)
    assert await book_b.claim("b", 10) == []
    assert await book_b.claim_specific(mine[0].channel_id, "b") is None


async def test_a_released_channel_is_claimed_again_with_the_next_epoch(
    open_database: OpenDatabase,
) -> None:
    """Release frees the lease at once; the next claim bumps the epoch; a second release of the
    old lease reports that it was not held."""
    [channel] = await add_channels(await open_database(), 1)
    book = LeaseBook(await open_database())
    [first] = await book.claim("a", 1)

    assert await book.release(first)
    [second] = await book.claim("b", 1)

    assert (second.channel_id, second.epoch) == (channel, first.epoch + 1)
    assert not await book.release(first)
    assert await book.renew("a") == await book.renew("nobody")


async def test_disabled_channels_are_not_claimed(open_database: OpenDatabase) -> None:
    """Only enabled channels need a worker."""
    database = await open_database()
    await add_channels(database, 2, enabled=False)
    [enabled] = await add_channels(database, 1)

    taken = await LeaseBook(database).claim("a", 10)

    assert [lease.channel_id for lease in taken] == [enabled]


async def test_a_deleted_channel_takes_its_lease_with_it(open_database: OpenDatabase) -> None:
    """The lease row goes with the channel, so a write for it is refused as stale."""
    database = await open_database()
    [channel] = await add_channels(database, 1)
    book = LeaseBook(database)
    [lease] = await book.claim("a", 1)
    async with transaction(database.sessions) as session:
        await session.delete(await session.get(ChannelRow, channel))

    with pytest.raises(StaleEpoch):
        await book.assert_current(lease)


async def _expired(database: Database, channel_id: int) -> bool:
    """Whether the channel's lease has expired by the database's clock."""
    now = db_now(database.dialect)
    async with transaction(database.sessions) as session:
        return bool(
            await session.scalar(
                select(ChannelLeaseRow.expires_at <= now).where(
                    ChannelLeaseRow.channel_id == channel_id
                )
            )
        )


def _set_reason(channel_id: int, reason: str) -> object:
    return update(ChannelRow).where(ChannelRow.id == channel_id).values(status_reason=reason)


async def _reason(database: Database, channel_id: int) -> str:
    async with transaction(database.sessions) as session:
        row = await session.get(ChannelRow, channel_id)
        assert row is not None
        return row.status_reason


async def test_holders_lists_each_unexpired_lease_by_channel_and_leaves_expired_ones_out(
    open_database: OpenDatabase,
) -> None:
    """The placer's view: who holds what now; an expired lease is free, so it is not listed,
    and its channel is among the enabled ones nobody holds (a disabled one never is)."""
    database = await open_database()
    first, second = await add_channels(database, 2)
    await add_channels(database, 1, enabled=False)
    short = LeaseBook(database, ttl_s=SHORT_TTL_S)
    book = LeaseBook(database)
    assert await book.unheld_enabled() == [first, second]  # no lease rows yet
    assert await book.claim_specific(first, "a") is not None
    assert await short.claim_specific(second, "b") is not None
    assert await book.holders() == {first: "a", second: "b"}
    assert await book.unheld_enabled() == []

    await wait_until(lambda: _expired(database, second), EXPIRY_WAIT_S, "b's lease to expire")
    assert await book.holders() == {first: "a"}
    assert await book.unheld_enabled() == [second]
