"""The dashboard in Chromium against a real ``streamfleet serve`` with real FFmpeg channels."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import httpx
from playwright.async_api import Page, expect

from tests.e2e.conftest import WALL_CHANNELS, Wall, admin_headers
from tests.support.media import Feeders, channel_url
from tests.support.server import ServerProcess
from tests.support.waiting import wait_until

UI_TIMEOUT_MS: Final = 30_000
OFFLINE_TIMEOUT_MS: Final = 60_000
"""Source loss -> offline takes the engine's stall timeout; generous on a busy 2-core box."""
PLAYBACK_TIMEOUT_MS: Final = 60_000

LOADED_THUMBNAILS_JS: Final = """
    () => [...document.querySelectorAll('a.tile')].filter((tile) => {
        const img = tile.querySelector('img');
        return img && img.complete && img.naturalWidth > 0;
    }).length
"""


async def test_the_wall_shows_every_channel_with_its_thumbnail_and_the_status_counts(
    page: Page, wall: Wall, artifacts: Path
) -> None:
    """All 20 channels are tiles with a loaded thumbnail, the header counts them and is live."""
    await page.goto(wall.url("/"))
    tiles = page.locator("a.tile")
    await expect(tiles).to_have_count(WALL_CHANNELS, timeout=UI_TIMEOUT_MS)
    await page.wait_for_function(
        f"() => ({LOADED_THUMBNAILS_JS})() === {WALL_CHANNELS}", timeout=UI_TIMEOUT_MS
    )
    await expect(page.locator("[data-count=online]")).to_have_text(
        f"● {WALL_CHANNELS} online", timeout=UI_TIMEOUT_MS
    )
    await expect(page.locator("[data-connection]")).to_contain_text("Live")
    for channel in wall.channels:
        tile = page.locator(f"a.tile[data-slug='{channel['slug']}']")
        await expect(tile).to_contain_text(channel["name"])
        await expect(tile).to_have_attribute("data-status", "online")
    await page.screenshot(path=str(artifacts / "wall.png"))

    await page.get_by_label("Compact").check()
    await page.wait_for_function(
        f"() => ({LOADED_THUMBNAILS_JS})() === {WALL_CHANNELS}", timeout=UI_TIMEOUT_MS
    )
    await page.screenshot(path=str(artifacts / "wall-compact.png"))


async def test_the_wall_filters_by_status_tag_and_text(page: Page, wall: Wall) -> None:
    """Clicking a count, choosing a tag or typing narrows the tiles without a reload."""
    await page.goto(wall.url("/"))
    tiles = page.locator("a.tile")
    await expect(tiles).to_have_count(WALL_CHANNELS, timeout=UI_TIMEOUT_MS)

    await page.get_by_label("Tag").select_option("news")
    news = [c for c in wall.channels if "news" in c["tags"]]
    await expect(tiles).to_have_count(len(news))

    await page.get_by_label("Search channels").fill("Channel 03")
    await expect(tiles).to_have_count(1)
    await expect(tiles.first).to_contain_text("Channel 03")

    await page.goto(wall.url("/"))
    await page.locator("[data-count=online]").click()
    await expect(page).to_have_url(wall.url("/?status=online"))

    async def shows_exactly_the_online_channels() -> bool:
        # On a loaded machine a channel may turn degraded for a moment: the filter must then
        # drop its tile, so compare with what the server says now rather than with all 20.
        shown = await tiles.evaluate_all("tiles => tiles.map(t => t.dataset.status)")
        async with httpx.AsyncClient(headers=admin_headers(wall.server)) as client:
            answer = await client.get(wall.url("/api/v1/channels?status=online&limit=500"))
        return bool(shown) and set(shown) == {"online"} and len(shown) == answer.json()["total"]

    await wait_until(shows_exactly_the_online_channels, 30, "the wall shows the online channels")


async def test_opening_a_channel_plays_its_video(page: Page, wall: Wall, artifacts: Path) -> None:
    """The tile leads to the channel page, whose player's currentTime advances."""
    channel = wall.channels[0]
    await page.goto(wall.url("/"))
    await page.locator(f"a.tile[data-slug='{channel['slug']}']").click()
    await expect(page).to_have_url(wall.url(f"/channels/{channel['id']}"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(channel["name"])

    await page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.currentTime > 1 }",
        timeout=PLAYBACK_TIMEOUT_MS,
    )
    first = await page.evaluate("() => document.querySelector('video').currentTime")
    await page.wait_for_function(
        f"() => document.querySelector('video').currentTime > {first} + 2",
        timeout=PLAYBACK_TIMEOUT_MS,
    )
    await expect(page.locator("#media-info-title + dl")).to_contain_text("h264")
    await expect(page.locator(".timeline")).to_contain_text("online")
    await expect(page.locator(".log")).not_to_have_text("(empty)", timeout=UI_TIMEOUT_MS)
    await page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart')]"
        ".every((f) => Number(f.dataset.samples) >= 5)",
        timeout=UI_TIMEOUT_MS,
    )
    await page.screenshot(path=str(artifacts / "channel.png"))


async def test_stopping_a_test_source_turns_its_tile_offline_without_a_page_reload(
    page: Page, streamfleet_server: ServerProcess, feeders: Feeders
) -> None:
    """The live connection moves the tile to offline (and the header count) by itself."""
    feeder = await feeders.start()
    base = streamfleet_server.base_url
    async with httpx.AsyncClient(
        base_url=base, headers=admin_headers(streamfleet_server)
    ) as client:
        created = await client.post(
            "/api/v1/channels", json={"name": "Cut Source", "input_url": channel_url(feeder)}
        )
        assert created.status_code == 201, created.text
    slug = created.json()["slug"]

    await page.goto(f"{base}/")
    tile = page.locator(f"a.tile[data-slug='{slug}']")
    await expect(tile).to_have_attribute("data-status", "online", timeout=PLAYBACK_TIMEOUT_MS)
    await page.evaluate("() => { window.__sameDocument = true }")

    await feeder.stop()

    await expect(tile).to_have_attribute("data-status", "offline", timeout=OFFLINE_TIMEOUT_MS)
    await expect(tile).to_contain_text("offline")
    await expect(page.locator("[data-count=offline]")).to_have_text("■ 1 offline")
    assert await page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"


async def test_creating_a_channel_with_a_file_url_shows_the_error_next_to_the_field(
    page: Page, streamfleet_server: ServerProcess
) -> None:
    """The server's refusal of file: lands under the Source URL field, which is marked invalid."""
    await page.goto(f"{streamfleet_server.base_url}/channels/new")
    await page.get_by_label("Name").fill("Local file")
    await page.get_by_label("Source URL").fill("file:///etc/passwd")
    await page.get_by_role("button", name="Create channel").click()

    error = page.locator("#input_url-error")
    await expect(error).to_contain_text("scheme 'file' is not allowed")
    source = page.get_by_label("Source URL")
    await expect(source).to_have_attribute("aria-invalid", "true")
    await expect(source).to_have_attribute("aria-describedby", "input_url-error input_url-hint")
    await expect(page).to_have_url(f"{streamfleet_server.base_url}/channels/new")
    listed = httpx.get(
        f"{streamfleet_server.base_url}/api/v1/channels", headers=admin_headers(streamfleet_server)
    ).json()
    assert listed["total"] == 0


async def test_importing_an_m3u_previews_its_errors_then_adds_its_channels(
    page: Page, streamfleet_server: ServerProcess
) -> None:
    """Preview lists the bad line with its reason; the import puts the good channels on the wall."""
    base = streamfleet_server.base_url
    m3u = "\n".join(
        [
            "#EXTM3U",
            '#EXTINF:-1 tvg-name="Imported One" group-title="imported",Imported One',
            "udp://127.0.0.1:25001",
            "#EXTINF:-1,Imported Bad",
            "file:///etc/passwd",
            '#EXTINF:-1 tvg-name="Imported Two" group-title="imported",Imported Two',
            "udp://127.0.0.1:25002",
            "",
        ]
    )
    await page.goto(f"{base}/import")
    await page.get_by_label("Content").fill(m3u)
    await page.get_by_role("button", name="Preview").click()

    preview = page.locator(".preview")
    await expect(preview.get_by_role("heading", level=2)).to_have_text(
        "Preview: 2 channel(s) would be imported, 1 error(s)"
    )
    await expect(preview.locator("[data-line='5']")).to_contain_text("scheme 'file' is not allowed")
    await expect(preview.locator("tbody tr")).to_have_count(2)

    await page.get_by_label("Import the good entries even if some are bad").check()
    await page.get_by_role("button", name="Import", exact=True).click()
    await expect(preview.get_by_role("heading", level=2)).to_have_text(
        "Result: 2 channel(s) imported, 1 error(s)"
    )

    await page.get_by_role("link", name="Go to the wall").click()
    tiles = page.locator("a.tile")
    await expect(tiles).to_have_count(2)
    await expect(page.locator("a.tile[data-slug='imported-one']")).to_contain_text("Imported One")
    await expect(page.locator("a.tile[data-slug='imported-two']")).to_contain_text("Imported Two")


async def test_tiles_do_not_move_when_new_thumbnails_arrive(page: Page, wall: Wall) -> None:
    """Thumbnails swap in place: no tile or picture box moves, no layout shift comes from them.

    Sorted by name: the default order puts problems first, and a channel that turns degraded
    on a loaded machine would move its tile for a reason that is not its thumbnail. A status
    change recolours a tile's border without changing its width, so it moves no picture
    either."""
    await page.goto(wall.url("/?sort=name"))
    await page.wait_for_function(
        f"() => ({LOADED_THUMBNAILS_JS})() === {WALL_CHANNELS}", timeout=UI_TIMEOUT_MS
    )
    await page.evaluate(
        """() => {
            window.__thumbShifts = [];
            new PerformanceObserver((list) => {
                for (const entry of list.getEntries()) {
                    for (const source of entry.sources || []) {
                        const node = source.node;
                        const el = node && (node.nodeType === 1 ? node : node.parentElement);
                        if (el && el.closest('.thumb')) window.__thumbShifts.push(entry.value);
                    }
                }
            }).observe({ type: 'layout-shift' });
            // Boxes relative to the grid: the header above it may change for other reasons
            // (a status count appearing); the claim is that pictures move nothing in the grid.
            const rects = () => {
                const grid = document.querySelector('ul.grid').getBoundingClientRect();
                return [...document.querySelectorAll('a.tile, a.tile .thumb')].map((el) => {
                    const box = el.getBoundingClientRect();
                    return [box.x - grid.x, box.y - grid.y, box.width, box.height];
                });
            };
            // What each tile shows and how tall its parts are, for a failure's message.
            const tiles = () => [...document.querySelectorAll('a.tile')].map((tile) => [
                tile.dataset.slug,
                tile.dataset.status,
                tile.querySelector('.info').innerText.replace(/\\s+/g, ' '),
                [...tile.querySelectorAll('.thumb, .info, .info .row, .info .row > *')].map(
                    (el) => Math.round(el.getBoundingClientRect().height * 100) / 100
                ),
            ]);
            window.__rects = rects;
            window.__tiles = tiles;
            window.__before = rects();
            window.__tilesBefore = tiles();
            window.__firstSrc = [...document.querySelectorAll('a.tile img')].map((i) => i.src);
        }"""
    )
    # Every tile shows a newer thumbnail than the one it had (thumbnail_interval_s is 5).
    await page.wait_for_function(
        """() => {
            const now = [...document.querySelectorAll('a.tile img')].map((i) => i.src);
            return now.length === window.__firstSrc.length
                && now.every((src, n) => src !== window.__firstSrc[n]);
        }""",
        timeout=UI_TIMEOUT_MS,
    )
    before, after, tiles_before, tiles_after = await page.evaluate(
        "() => [window.__before, window.__rects(), window.__tilesBefore, window.__tiles()]"
    )
    moved = [
        (n, was, now) for n, (was, now) in enumerate(zip(before, after, strict=True)) if was != now
    ]
    changed = [
        (was, now) for was, now in zip(tiles_before, tiles_after, strict=True) if was[3] != now[3]
    ]
    assert not moved, (
        f"boxes (index, before, after) that moved: {moved}; "
        f"tiles whose parts changed height (slug, status, text, heights): {changed}"
    )
    assert await page.evaluate("() => window.__thumbShifts") == []


PICTURE_AGES_JS: Final = r"""
    () => [...document.querySelectorAll('a.tile')].filter((tile) => {
        const box = tile.getBoundingClientRect();
        return box.bottom > 0 && box.top < window.innerHeight;
    }).map((tile) => {
        const text = tile.querySelector('.age').textContent.trim();
        const m = text.match(/^(?:(\d+)m )?(\d+)s$/);
        return [tile.dataset.slug, m ? Number(m[1] || 0) * 60 + Number(m[2]) : null];
    })
"""
"""``[slug, age in seconds or null]`` of the age label of every tile on screen."""

RENEWALS_JS: Final = r"""
    () => {
        const seen = window.__ages || (window.__ages = {});
        const renewed = window.__renewed || (window.__renewed = {});
        const ages = (__PICTURE_AGES__)();
        for (const [slug, age] of ages) {
            if (age !== null && seen[slug] !== undefined && age < seen[slug]) {
                renewed[slug] = (renewed[slug] || 0) + 1;
            }
            if (age !== null) seen[slug] = age;
        }
        return ages.length > 0 && ages.every(([slug]) => (renewed[slug] || 0) >= 2);
    }
""".replace("__PICTURE_AGES__", PICTURE_AGES_JS)
"""True once the label of every tile on screen went back down twice (two new pictures)."""


async def test_each_tiles_age_label_shows_the_age_of_the_picture_on_screen(
    page: Page, wall: Wall
) -> None:
    """Pictures every 5 s: each label goes back down when its picture is renewed, and after two
    renewals none reads more than two intervals. (It used to count from the first picture:
    "1m 11s" after 70 s, and it never went down.)"""
    await page.goto(wall.url("/?sort=name"))
    await page.wait_for_function(RENEWALS_JS, timeout=60_000, polling=200)
    ages = dict(await page.evaluate(PICTURE_AGES_JS))
    assert ages, "no tile on screen"
    assert all(age is not None and age <= 10 for age in ages.values()), ages


async def test_sixty_compact_tiles_fit_full_hd_and_narrow_screens_never_scroll_sideways(
    page: Page, streamfleet_server: ServerProcess, artifacts: Path
) -> None:
    """60 tiles all show at 1920x1080 (compact); at 1280 px and on a phone nothing overflows."""
    base = streamfleet_server.base_url
    async with httpx.AsyncClient(
        base_url=base, headers=admin_headers(streamfleet_server)
    ) as client:
        for number in range(1, 61):
            created = await client.post(
                "/api/v1/channels",
                json={
                    "name": f"Studio feed {number:02d} with a long name",
                    "input_url": f"udp://239.1.1.{number}:1234",
                    "enabled": False,
                },
            )
            assert created.status_code == 201, created.text
    await page.goto(f"{base}/")
    tiles = page.locator("a.tile")
    await expect(tiles).to_have_count(60, timeout=UI_TIMEOUT_MS)
    await page.get_by_label("Compact").check()
    fully_visible = await page.evaluate(
        "() => [...document.querySelectorAll('a.tile')]"
        ".filter((t) => t.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    assert fully_visible == 60
    await page.screenshot(path=str(artifacts / "wall-60-compact.png"))

    for width, height in ((1280, 800), (390, 844)):
        await page.set_viewport_size({"width": width, "height": height})
        await page.get_by_label("Comfortable").check()
        # Negative when the reserved scrollbar gutter (scrollbar-gutter: stable) is empty.
        overflow = await page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{overflow}px of sideways scrolling at {width}px"
    await page.screenshot(path=str(artifacts / "wall-phone.png"))


async def test_the_wall_is_keyboard_navigable_with_a_visible_focus_ring(
    page: Page, wall: Wall
) -> None:
    """Tab reaches the tiles (links) with a visible outline; Enter opens the channel.

    Sorted by name, so that the first tile is the same one however the channels fare."""
    await page.goto(wall.url("/?sort=name"))
    await expect(page.locator("a.tile")).to_have_count(WALL_CHANNELS, timeout=UI_TIMEOUT_MS)
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("() => document.activeElement.matches('a.tile')"):
            break
    focused = await page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return { tile: el.matches('a.tile'), slug: el.dataset.slug, label: el.ariaLabel,
                     outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
        }"""
    )
    assert focused["tile"], "Tab never reached a tile"
    assert focused["outline"] != "none"
    assert focused["width"] >= 2
    channel = next(c for c in wall.channels if c["slug"] == focused["slug"])
    assert channel["slug"] == min(c["slug"] for c in wall.channels)
    assert channel["name"] in focused["label"]
    assert any(status in focused["label"] for status in ("online", "degraded", "offline"))
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(wall.url(f"/channels/{channel['id']}"))


async def test_stop_and_start_ask_for_confirmation_and_the_page_follows_the_status(
    page: Page, streamfleet_server: ServerProcess, feeders: Feeders
) -> None:
    """Cancel changes nothing; a confirmed stop shows stopped, a confirmed start online again."""
    feeder = await feeders.start()
    base = streamfleet_server.base_url
    async with httpx.AsyncClient(
        base_url=base, headers=admin_headers(streamfleet_server)
    ) as client:
        created = await client.post(
            "/api/v1/channels", json={"name": "Studio", "input_url": channel_url(feeder)}
        )
        assert created.status_code == 201, created.text
    channel = created.json()
    await page.goto(f"{base}/channels/{channel['id']}")
    status = page.locator("h1 + .sub [data-status]")
    await expect(status).to_have_attribute("data-status", "online", timeout=PLAYBACK_TIMEOUT_MS)

    dialog = page.get_by_role("dialog")
    await page.get_by_role("button", name="Stop", exact=True).click()
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Stop Studio?")
    await dialog.get_by_role("button", name="Cancel").click()
    await expect(dialog).to_be_hidden()
    await expect(status).to_have_attribute("data-status", "online")

    await page.get_by_role("button", name="Stop", exact=True).click()
    await dialog.get_by_role("button", name="Stop", exact=True).click()
    await expect(status).to_have_attribute("data-status", "stopped", timeout=UI_TIMEOUT_MS)
    await expect(page.get_by_role("status").filter(has_text="stopped")).to_be_visible()

    await page.get_by_role("button", name="Start", exact=True).click()
    await dialog.get_by_role("button", name="Start", exact=True).click()
    await expect(status).to_have_attribute("data-status", "online", timeout=PLAYBACK_TIMEOUT_MS)
