"""``LeaseKeeper`` against a real database that stops answering: it calls ``on_lost`` while the
lease, by the database's own clock, is still held."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit, urlunsplit

from streamfleet.cluster.keeper import LeaseKeeper
from streamfleet.cluster.leader_lease import PLACER, LeaderLease, LeaderTerm
from streamfleet.db.session import Database
from tests.integration.cluster.conftest import OpenDatabase
from tests.support.tcp_proxy import TcpProxy

TTL_S = 3.0
INTERVAL_S = 0.5
"""The keeper gives up at the last renewal's start + TTL - 2 intervals: 1 s before the
database's expiry, the time the witness's query has to read the term still current."""
LOST_WAIT_S = 10.0


async def test_a_keeper_whose_database_stops_answering_gives_up_before_the_lease_expires(
    fleet_url: str, open_database: OpenDatabase
) -> None:
    """The leader renews through a relay; the relay freezes (no error, only silence); the keeper
    calls ``on_lost`` and, at that moment, the database still shows the term as current."""
    parts = urlsplit(fleet_url)
    assert parts.hostname is not None
    assert parts.port is not None
    witness = LeaderLease(await open_database(), PLACER)
    async with TcpProxy(parts.hostname, parts.port).running() as proxy:
        relayed = Database(urlunsplit(parts._replace(netloc=_via(parts.netloc, proxy.port))))
        lease = LeaderLease(relayed, PLACER, ttl_s=TTL_S)
        acquired_at = time.monotonic()
        term = await lease.acquire("a")
        assert term is not None
        current: list[LeaderTerm] = [term]
        seen_at_loss: list[LeaderTerm | None] = []

        async def renew() -> bool:
            renewed = await lease.renew(current[-1])
            if renewed is not None:
                current.append(renewed)
            return renewed is not None

        async def on_lost(reason: str) -> None:
            seen_at_loss.append(await witness.holder())

        keeper = LeaseKeeper(renew, on_lost, name=PLACER, ttl_s=TTL_S, interval_s=INTERVAL_S)
        task = asyncio.create_task(keeper.run(acquired_at))
        while len(current) < 3:
            await asyncio.sleep(INTERVAL_S / 5)
        # The witness connects now: a first connection made inside on_lost would spend the
        # margin before the expiry on the connect and the dialect's start-up queries.
        assert await witness.holder() is not None
        proxy.freeze()

        async with asyncio.timeout(LOST_WAIT_S):
            reason = await task

    assert "renewal failed" in reason
    [holder] = seen_at_loss
    assert holder is not None
    assert (holder.holder, holder.epoch) == ("a", term.epoch)
    await _dispose_quietly(relayed)


def _via(netloc: str, port: int) -> str:
    credentials, _, _ = netloc.rpartition("@")
    return f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"


async def _dispose_quietly(database: Database) -> None:
    """The relay is gone: closing the pool's connections may only time out."""
    try:
        async with asyncio.timeout(1):
            await database.dispose()
    except (TimeoutError, OSError):
        pass
