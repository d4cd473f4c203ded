"""Logging in: the first-start admin, session cookies with CSRF, bearer tokens, throttling."""

from __future__ import annotations

import stat
from pathlib import Path

import structlog

from streamfleet.accounts.first_admin import INITIAL_ADMIN_FILE
from tests.support.server import ApiClient, api_client_for, settings_for_test


def _initial_password(data_dir: Path) -> str:
    return (data_dir / INITIAL_ADMIN_FILE).read_text().split()[-1]


async def test_the_first_start_writes_the_admin_password_to_a_private_file(tmp_path: Path) -> None:
    """The file is mode 0600 and its last word logs in; a second start creates nobody."""
    data_dir = tmp_path / "data"
    settings = settings_for_test(data_dir)
    async with api_client_for(settings) as api:
        path = data_dir / INITIAL_ADMIN_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        password = _initial_password(data_dir)
        anonymous = api.anonymous()
        answer = await anonymous.post(
            "/api/v1/auth/token", json={"username": "admin", "password": password}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["token_type"] == "bearer"
        path.unlink()
    async with api_client_for(settings) as api:
        assert not (data_dir / INITIAL_ADMIN_FILE).exists()
        users = (await api.get("/api/v1/users")).json()
        assert [u["username"] for u in users["items"]] == ["admin"]


async def _login(client: ApiClient, password: str) -> dict[str, object]:
    answer = await client.post(
        "/api/v1/auth/login", json={"username": "admin", "password": password}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_login_sets_an_httponly_lax_session_cookie_and_a_readable_csrf_cookie(
    api: ApiClient, tmp_path: Path
) -> None:
    client = api.anonymous()
    body = await _login(client, _initial_password(tmp_path / "data"))
    assert body["user"] == {"id": 1, "username": "admin", "role": "admin"}
    set_cookies = client.cookies.jar
    by_name = {cookie.name: cookie for cookie in set_cookies}
    session, csrf = by_name["sf_session"], by_name["sf_csrf"]
    assert session.has_nonstandard_attr("HttpOnly")
    assert not csrf.has_nonstandard_attr("HttpOnly")
    assert session.get_nonstandard_attr("SameSite", "").lower() == "lax"
    assert not session.secure  # plain HTTP here
    assert csrf.value == body["csrf_token"]
    me = (await client.get("/api/v1/auth/me")).json()
    assert me == {"id": 1, "username": "admin", "role": "admin", "via": "session"}


async def test_the_session_cookie_is_secure_over_https(api: ApiClient, tmp_path: Path) -> None:
    client = ApiClient(api.app, base_url="https://streamfleet.test")
    async with client:
        await _login(client, _initial_password(tmp_path / "data"))
        cookies = {cookie.name: cookie for cookie in client.cookies.jar}
        assert cookies["sf_session"].secure
        assert cookies["sf_csrf"].secure


async def test_a_cookie_request_that_changes_state_needs_the_csrf_header(
    api: ApiClient, tmp_path: Path
) -> None:
    client = api.anonymous()
    body = await _login(client, _initial_password(tmp_path / "data"))
    new_token = {"name": "ci", "role": "viewer"}
    missing = await client.post("/api/v1/tokens", json=new_token)
    assert missing.status_code == 403
    assert missing.headers["content-type"] == "application/problem+json"
    wrong = await client.post("/api/v1/tokens", json=new_token, headers={"X-CSRF-Token": "x"})
    assert wrong.status_code == 403
    right = await client.post(
        "/api/v1/tokens", json=new_token, headers={"X-CSRF-Token": str(body["csrf_token"])}
    )
    assert right.status_code == 201, right.text
    assert (await client.get("/api/v1/tokens")).status_code == 200  # reads need none


async def test_logout_ends_the_session(api: ApiClient, tmp_path: Path) -> None:
    client = api.anonymous()
    body = await _login(client, _initial_password(tmp_path / "data"))
    session = client.cookies["sf_session"]
    out = await client.post(
        "/api/v1/auth/logout", headers={"X-CSRF-Token": str(body["csrf_token"])}
    )
    assert out.status_code == 204
    again = api.anonymous()
    again.cookies.set("sf_session", session)
    answer = await again.get("/api/v1/auth/me")
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


async def test_wrong_credentials_are_401_and_a_token_login_gives_a_working_bearer_token(
    api: ApiClient, tmp_path: Path
) -> None:
    client = api.anonymous()
    wrong = await client.post("/api/v1/auth/token", json={"username": "admin", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"] == "Bearer"
    nobody = await client.post("/api/v1/auth/login", json={"username": "ghost", "password": "x"})
    assert nobody.status_code == 401
    token = (
        await client.post(
            "/api/v1/auth/token",
            json={"username": "admin", "password": _initial_password(tmp_path / "data")},
        )
    ).json()
    assert token["access_token"].startswith("sf_")
    assert token["expires_at"].endswith("Z")
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert me.json()["via"] == "token"
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_the_sixth_failed_login_in_a_minute_is_429_with_retry_after(
    api: ApiClient, tmp_path: Path
) -> None:
    """Even the right password is refused then; every refusal is logged, never the password."""
    client = api.anonymous()
    with structlog.testing.capture_logs() as logs:
        for _ in range(5):
            answer = await client.post(
                "/api/v1/auth/login", json={"username": "admin", "password": "guess-123"}
            )
            assert answer.status_code == 401
        password = _initial_password(tmp_path / "data")
        throttled = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": password}
        )
    assert throttled.status_code == 429
    assert 1 <= int(throttled.headers["retry-after"]) <= 60
    assert throttled.headers["content-type"] == "application/problem+json"
    refusals = [e for e in logs if e["event"] == "auth.login_refused"]
    assert len(refusals) == 6
    assert refusals[-1]["reason"] == "throttled"
    assert refusals[0]["user"] == "admin"
    assert "guess-123" not in repr(logs)
    assert password not in repr(logs)


async def test_metrics_need_the_metrics_token_when_one_is_set(tmp_path: Path) -> None:
    settings = settings_for_test(tmp_path / "data", metrics_token="scrape-secret")
    async with api_client_for(settings) as api:
        anonymous = api.anonymous()
        assert (await anonymous.get("/metrics")).status_code == 401
        assert (await api.get("/metrics")).status_code == 401  # a user's token is not it
        scraped = await anonymous.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        assert scraped.status_code == 200
    async with api_client_for(settings_for_test(tmp_path / "open")) as api:
        assert (await api.anonymous().get("/metrics")).status_code == 200
