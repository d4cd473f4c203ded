"""``LeaseKeeper`` on an injected clock: renews every interval, gives up before expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from streamfleet.cluster.keeper import LeaseKeeper
from streamfleet.db.errors import DatabaseUnavailable

TTL_S = 10.0
INTERVAL_S = 2.0
HOLD_S = TTL_S - 2 * INTERVAL_S


class FakeTime:
    """A clock that moves only when the keeper sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Outcomes:
    """``renew()`` answers from a script: True/False, or an exception to raise; the last repeats."""

    def __init__(self, time: FakeTime, script: Callable[[int], bool | Exception]) -> None:
        self.time = time
        self.script = script
        self.calls: list[float] = []
        self.lost: list[tuple[float, str]] = []

    async def renew(self) -> bool:
        outcome = self.script(len(self.calls))
        self.calls.append(self.time.now)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def on_lost(self, reason: str) -> None:
        self.lost.append((self.time.now, reason))

    def keeper(self) -> LeaseKeeper:
        return LeaseKeeper(
            self.renew,
            self.on_lost,
            name="test",
            ttl_s=TTL_S,
            interval_s=INTERVAL_S,
            clock=self.time.clock,
            sleep=self.time.sleep,
        )


async def test_a_lease_that_always_renews_is_renewed_every_interval_and_never_lost() -> None:
    time = FakeTime()
    outcomes = Outcomes(time, lambda n: True)
    task = asyncio.create_task(outcomes.keeper().run())

    while len(outcomes.calls) < 20:
        await asyncio.sleep(0)
    task.cancel()

    assert outcomes.calls[:3] == [2.0, 4.0, 6.0]
    assert outcomes.lost == []


async def test_an_unreachable_database_from_the_start_gives_the_lease_up_6_s_after_the_claim() -> (
    None
):
    """Every renewal fails: ``on_lost`` at claim + TTL - 2 intervals, 4 s before the expiry."""
    time = FakeTime()
    outcomes = Outcomes(time, lambda n: DatabaseUnavailable("database not available"))

    reason = await outcomes.keeper().run(acquired_at=0.0)

    assert outcomes.lost == [(HOLD_S, reason)]
    assert "DatabaseUnavailable" in reason
    assert outcomes.calls == [2.0, 4.0, 6.0]


async def test_the_deadline_counts_from_the_start_of_the_last_successful_renewal() -> None:
    """Two renewals succeed (at 2 s and 4 s), then the database goes: lost at 4 + 6 = 10 s,
    while the lease, renewed at 4 s, holds until 14 s."""
    time = FakeTime()
    outcomes = Outcomes(time, lambda n: True if n < 2 else TimeoutError())

    await outcomes.keeper().run(acquired_at=0.0)

    [(lost_at, _)] = outcomes.lost
    assert lost_at == 4.0 + HOLD_S
    assert lost_at < 4.0 + TTL_S


async def test_a_lease_taken_over_is_given_up_at_the_renewal_that_finds_out() -> None:
    time = FakeTime()
    outcomes = Outcomes(time, lambda n: n < 1)

    reason = await outcomes.keeper().run(acquired_at=0.0)

    assert outcomes.lost == [(4.0, "lease lost")]
    assert reason == "lease lost"


async def test_a_failure_that_is_not_the_databases_is_not_taken_for_an_outage() -> None:
    """A bug in ``renew`` raises through the keeper rather than being retried in silence."""
    time = FakeTime()
    outcomes = Outcomes(time, lambda n: ValueError("a bug"))

    with pytest.raises(ValueError, match="a bug"):
        await outcomes.keeper().run()


@pytest.mark.parametrize(("ttl_s", "interval_s"), [(10.0, 0.0), (10.0, 3.5), (4.0, 2.0)])
def test_an_interval_that_leaves_no_time_before_the_deadline_is_refused(
    ttl_s: float, interval_s: float
) -> None:
    with pytest.raises(ValueError, match="interval_s"):
        LeaseKeeper(
            Outcomes(FakeTime(), lambda n: True).renew,
            _ignore,
            name="x",
            ttl_s=ttl_s,
            interval_s=interval_s,
        )


async def _ignore(reason: str) -> None:
    return None
