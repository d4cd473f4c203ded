"""The Workers view in Chromium against a real fleet (an API node and two worker processes on
PostgreSQL and a Redis of the test's own): it lists the workers with their channels, and its
Drain button (confirmed) moves a worker's channel to the other one."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from playwright.async_api import Page, expect

from streamfleet.accounts.first_admin import FIRST_ADMIN
from tests.e2e.conftest import log_in
from tests.integration.fleet.channels import create_channels, online
from tests.integration.fleet.conftest import Fleet, fleet, redis_server
from tests.support.media import Feeders
from tests.support.waiting import wait_until

__all__ = ["fleet", "redis_server"]

UI_TIMEOUT_MS: Final = 30_000
DRAIN_TIMEOUT_MS: Final = 60_000
START_TIMEOUT_S: Final = 60.0


async def test_the_workers_view_drains_a_worker_after_a_confirm(
    anonymous_page: Page, fleet: Fleet, feeders: Feeders, artifacts: Path
) -> None:
    """Two workers, two channels (one each): Drain on the first, confirmed, leaves it drained
    with no channel and its button disabled; the other runs both."""
    fleet.worker("w1")
    fleet.worker("w2")
    api = fleet.start("api")

    async def both_live() -> bool:
        return await fleet.live_workers() == {"w1", "w2"}

    await wait_until(both_live, START_TIMEOUT_S, "two live workers")
    ids = await create_channels(api, feeders, ["View 1", "View 2"])
    await wait_until(lambda: online(api, 2), START_TIMEOUT_S, "both channels online")
    holders = await fleet.holders()
    victim = holders[ids[0]]
    other = "w2" if victim == "w1" else "w1"

    page = anonymous_page
    await log_in(page, api, FIRST_ADMIN, api.admin_password)
    await page.goto(f"{api.base_url}/workers")
    row = page.locator(f"tr[data-worker='{victim}']")
    await expect(page.locator("tr[data-worker]")).to_have_count(2, timeout=UI_TIMEOUT_MS)
    await expect(row.locator("[data-field=load]")).to_have_text("1 / 10 (10 %)")
    await expect(row.locator("[data-field=channels]")).to_contain_text("View")
    await page.screenshot(path=str(artifacts / "workers.png"))

    await row.get_by_role("button", name="Drain").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text(f"Drain {victim}?")
    await dialog.get_by_role("button", name="Drain").click()

    await expect(row.locator("[data-field=state]")).to_have_text(
        "drained", timeout=DRAIN_TIMEOUT_MS
    )
    await expect(row.locator("[data-field=channels]")).to_have_text("none")
    await expect(row.get_by_role("button", name="Draining")).to_be_disabled()
    other_row = page.locator(f"tr[data-worker='{other}']")
    await expect(other_row.locator("[data-field=load]")).to_have_text("2 / 10 (20 %)")
    assert set((await fleet.holders()).values()) == {other}
    await page.screenshot(path=str(artifacts / "workers-drained.png"))
