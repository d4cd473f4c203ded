"""Accounts in the browser: the login page, who is logged in, and what a viewer never sees."""

from __future__ import annotations

from typing import Final

import httpx
from playwright.async_api import Page, expect

from streamfleet.accounts.first_admin import FIRST_ADMIN
from tests.e2e.conftest import admin_headers, admin_password
from tests.support.server import ServerProcess

UI_TIMEOUT_MS: Final = 30_000
SOURCE_SECRET: Final = "hunter2-source-secret"
SOURCE_URL: Final = f"rtsp://camuser:{SOURCE_SECRET}@127.0.0.1:8554/studio-feed"
BACKUP_SECRET: Final = "backup-secret-77"
BACKUP_URL: Final = f"rtsp://camuser:{BACKUP_SECRET}@127.0.0.1:8555/backup-feed"
EDIT_CONTROLS: Final = ("Edit", "Start", "Stop", "Restart", "Delete", "+ Channel", "Import")


async def fill_login(page: Page, username: str, password: str) -> None:
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()


async def test_the_login_page_refuses_a_wrong_password_then_lands_where_the_user_wanted(
    anonymous_page: Page, streamfleet_server: ServerProcess
) -> None:
    """Without a session every page shows the login page; a wrong password shows the server's
    reason; the right one opens the page first asked for, with the username in the header."""
    page = anonymous_page
    base = streamfleet_server.base_url
    await page.goto(f"{base}/alerts")
    await expect(page).to_have_url(f"{base}/login?redirect=/alerts", timeout=UI_TIMEOUT_MS)

    await fill_login(page, FIRST_ADMIN, "not-the-password")
    error = page.locator("[data-login-error]")
    await expect(error).to_be_visible()
    await expect(error).not_to_be_empty()
    await expect(page).to_have_url(f"{base}/login?redirect=/alerts")

    await fill_login(page, FIRST_ADMIN, admin_password(streamfleet_server))
    await expect(page).to_have_url(f"{base}/alerts", timeout=UI_TIMEOUT_MS)
    await expect(page.locator("[data-user] .username")).to_have_text(FIRST_ADMIN)
    await expect(page.locator("[data-user] .role")).to_have_text("admin")
    await expect(page.locator("[data-connection]")).to_contain_text("Live", timeout=UI_TIMEOUT_MS)

    await page.get_by_role("link", name="Wall", exact=True).click()
    await expect(page).to_have_url(f"{base}/")

    # The session goes away under the page: the next API answer (401) brings the login page
    # back, keeping the page the user was opening.
    await page.context.clear_cookies()
    await page.get_by_role("link", name="Alerts").click()
    await expect(page).to_have_url(f"{base}/login?redirect=/alerts", timeout=UI_TIMEOUT_MS)
    await fill_login(page, FIRST_ADMIN, admin_password(streamfleet_server))
    await expect(page).to_have_url(f"{base}/alerts", timeout=UI_TIMEOUT_MS)

    await page.get_by_role("button", name="Log out").click()
    await expect(page).to_have_url(f"{base}/login", timeout=UI_TIMEOUT_MS)
    await page.goto(f"{base}/")
    await expect(page).to_have_url(f"{base}/login", timeout=UI_TIMEOUT_MS)


async def test_a_viewer_sees_no_edit_control_and_no_source_url_or_credentials(
    anonymous_page: Page, streamfleet_server: ServerProcess
) -> None:
    """A viewer logs in, opens the wall and a channel whose source URLs carry credentials: no
    control to change anything is on the page, and neither URL nor secret is anywhere in it."""
    page = anonymous_page
    base = streamfleet_server.base_url
    with httpx.Client(base_url=base, headers=admin_headers(streamfleet_server)) as admin:
        created = admin.post(
            "/api/v1/channels",
            json={
                "name": "Secret Studio",
                "input_url": SOURCE_URL,
                "backup_url": BACKUP_URL,
                "enabled": False,
            },
        )
        assert created.status_code == 201, created.text
        made = admin.post(
            "/api/v1/users",
            json={"username": "vera", "password": "viewer-pass-123456", "role": "viewer"},
        )
        assert made.status_code == 201, made.text
    channel = created.json()

    await page.goto(f"{base}/login")
    await fill_login(page, "vera", "viewer-pass-123456")
    await expect(page).to_have_url(f"{base}/", timeout=UI_TIMEOUT_MS)
    await expect(page.locator("[data-user] .role")).to_have_text("viewer")
    await expect(page.locator(f"a.tile[data-slug='{channel['slug']}']")).to_be_visible(
        timeout=UI_TIMEOUT_MS
    )

    await page.locator(f"a.tile[data-slug='{channel['slug']}']").click()
    await expect(page).to_have_url(f"{base}/channels/{channel['id']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Secret Studio")
    await expect(page.get_by_role("heading", name="Events")).to_be_visible(timeout=UI_TIMEOUT_MS)

    for name in EDIT_CONTROLS:
        await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
        await expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    for name in ("Users", "Backups", "Audit"):
        await expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
    html = await page.content()
    for secret in (SOURCE_SECRET, BACKUP_SECRET, "studio-feed", "backup-feed", "camuser"):
        assert secret not in html, f"{secret!r} is on a viewer's channel page"

    # The edit page is not for viewers: asking for it lands on the wall.
    await page.goto(f"{base}/channels/{channel['id']}/edit")
    await expect(page).to_have_url(f"{base}/", timeout=UI_TIMEOUT_MS)
    assert SOURCE_SECRET not in await page.content()


async def test_an_admin_creates_a_user_and_a_token_shown_once_that_the_api_accepts(
    page: Page, streamfleet_server: ServerProcess
) -> None:
    """On the Users page an admin adds an operator; on the API tokens page a token appears once,
    works as a bearer token, and is refused at once after Revoke."""
    base = streamfleet_server.base_url
    await page.goto(f"{base}/users")
    await page.locator("#username").fill("otto")
    await page.locator("#password").fill("operator-pass-123456")
    await page.locator("#role").select_option("operator")
    await page.get_by_role("button", name="Create user").click()
    row = page.locator("tr[data-username='otto']")
    await expect(row).to_be_visible(timeout=UI_TIMEOUT_MS)
    await expect(row.get_by_label("Role of otto")).to_have_value("operator")

    await page.get_by_role("link", name="Tokens", exact=True).click()
    await page.locator("#token-name").fill("ci deploy")
    await page.locator("#token-role").select_option("operator")
    await page.get_by_role("button", name="Create token").click()
    shown = page.locator("[data-new-token] code")
    await expect(shown).not_to_be_empty(timeout=UI_TIMEOUT_MS)
    token = await shown.inner_text()
    bearer = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{base}/api/v1/auth/me", headers=bearer, timeout=10)
    assert me.status_code == 200, me.text
    assert me.json()["role"] == "operator"

    await page.get_by_role("button", name="Done").click()
    await expect(page.locator("[data-new-token]")).to_have_count(0)
    await page.get_by_role("button", name="Revoke ci deploy").click()
    await page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    await expect(page.get_by_role("button", name="Revoke ci deploy")).to_have_count(0)
    refused = httpx.get(f"{base}/api/v1/auth/me", headers=bearer, timeout=10)
    assert refused.status_code == 401


async def test_an_operator_edits_a_channel_with_its_source_url_in_full_and_keeps_it(
    page: Page, streamfleet_server: ServerProcess
) -> None:
    """The channel page masks the source's credentials; the editor fetches them in full
    (GET …/source), and saving another field keeps the stored URL."""
    base = streamfleet_server.base_url
    with httpx.Client(base_url=base, headers=admin_headers(streamfleet_server)) as admin:
        created = admin.post(
            "/api/v1/channels",
            json={"name": "Edit Studio", "input_url": SOURCE_URL, "enabled": False},
        )
        assert created.status_code == 201, created.text
        channel = created.json()
        assert SOURCE_SECRET not in created.text

        await page.goto(f"{base}/channels/{channel['id']}/edit")
        await expect(page.locator("#input_url")).to_have_value(SOURCE_URL, timeout=UI_TIMEOUT_MS)
        await page.locator("#name").fill("Edit Studio 2")
        await page.get_by_role("button", name="Save changes").click()
        await expect(page).to_have_url(f"{base}/channels/{channel['id']}", timeout=UI_TIMEOUT_MS)
        await expect(page.get_by_role("heading", level=1)).to_have_text("Edit Studio 2")
        assert SOURCE_SECRET not in await page.content()

        source = admin.get(f"/api/v1/channels/{channel['id']}/source").json()
    assert source["input_url"] == SOURCE_URL
