"""The leader lease on PostgreSQL and MariaDB: one holder at a time, a takeover after expiry at a
higher epoch, and the old holder's renewal and writes refused."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete

from streamfleet.cluster.errors import StaleEpoch
from streamfleet.cluster.leader_lease import PLACER, LeaderLease
from streamfleet.db.cluster_models import LeaderLeaseRow
from tests.integration.cluster.conftest import OpenDatabase
from tests.support.waiting import wait_until

SHORT_TTL_S = 0.5
EXPIRY_WAIT_S = 10.0


async def test_of_five_processes_acquiring_at_once_exactly_one_leads(
    open_database: OpenDatabase,
) -> None:
    """Five processes (own connections each) race for the free lease: one term, epoch 1."""
    leases = [LeaderLease(await open_database(), PLACER) for _ in range(5)]

    terms = await asyncio.gather(*(lease.acquire(f"p{i}") for i, lease in enumerate(leases)))

    won = [term for term in terms if term is not None]
    assert len(won) == 1
    assert won[0].epoch == 1
    assert await leases[0].holder() == won[0]


async def test_the_holder_acquiring_again_keeps_its_epoch_and_others_get_nothing(
    open_database: OpenDatabase,
) -> None:
    mine = LeaderLease(await open_database(), PLACER)
    theirs = LeaderLease(await open_database(), PLACER)
    first = await mine.acquire("a")
    assert first is not None

    again = await mine.acquire("a")
    renewed = await mine.renew(first)

    assert again is not None
    assert renewed is not None
    assert again.epoch == renewed.epoch == first.epoch
    assert renewed.expires_at >= first.expires_at
    assert await theirs.acquire("b") is None


async def test_an_expired_leader_is_replaced_at_a_higher_epoch_and_its_renewal_fails(
    open_database: OpenDatabase,
) -> None:
    """A's term expires; B takes over with epoch 2; A's renewal answers None and A's fenced
    write raises ``StaleEpoch``."""
    lease_a = LeaderLease(await open_database(), PLACER, ttl_s=SHORT_TTL_S)
    lease_b = LeaderLease(await open_database(), PLACER)
    old = await lease_a.acquire("a")
    assert old is not None

    new = await wait_until(lambda: lease_b.acquire("b"), EXPIRY_WAIT_S, "A's term to expire")

    assert (new.holder, new.epoch) == ("b", old.epoch + 1)
    assert await lease_a.renew(old) is None
    assert not await lease_a.release(old)
    with pytest.raises(StaleEpoch, match="epoch 1"):
        async with lease_a.fenced(old):
            pass
    await lease_b.assert_current(new)
    assert await lease_a.holder() == new


async def test_a_released_lease_is_free_at_once_and_names_are_separate(
    open_database: OpenDatabase,
) -> None:
    database = await open_database()
    placer, alerts = LeaderLease(database, PLACER), LeaderLease(database, "alerts")
    term = await placer.acquire("a")
    assert term is not None
    assert await alerts.acquire("b") is not None

    assert await placer.release(term)

    assert await placer.holder() is None
    taken = await placer.acquire("c")
    assert taken is not None
    assert taken.epoch == term.epoch + 1


async def test_a_leader_whose_row_a_restore_removed_leads_again_at_the_next_acquire(
    open_database: OpenDatabase,
) -> None:
    """A steady leader does not insert its row at every round; when the row is gone (a
    restore emptied ``leader_leases``) one round finds no lease and the next takes it anew."""
    database = await open_database()
    lease = LeaderLease(database, PLACER)
    assert await lease.acquire("a") is not None
    async with database.sessions() as session:
        await session.execute(delete(LeaderLeaseRow))
        await session.commit()

    assert await lease.acquire("a") is None
    taken = await lease.acquire("a")
    assert taken is not None
    assert (taken.holder, taken.epoch) == ("a", 1)
