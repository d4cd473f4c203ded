"""API tokens and users: shown once, never above their creator's role, refused at once when
revoked, and every credential of a demoted or disabled user refused at its next request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from streamfleet.accounts.service import AccountService
from streamfleet.domain.roles import Role
from tests.support.server import ApiClient


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_personal_token_is_shown_once_and_works_until_it_is_revoked(
    api: ApiClient,
) -> None:
    expires = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    created = await api.post(
        "/api/v1/tokens", json={"name": "grafana", "role": "viewer", "expires_at": expires}
    )
    assert created.status_code == 201, created.text
    body = created.json()
    token = body["token"]
    assert token.startswith("sf_")
    assert body["role"] == "viewer"
    assert body["last_used_at"] is None
    listed = (await api.get("/api/v1/tokens")).text
    assert token not in listed
    assert '"grafana"' in listed
    anonymous = api.anonymous()
    me = await anonymous.get("/api/v1/auth/me", headers=_bearer(token))
    assert me.json() == {"id": 1, "username": "admin", "role": "viewer", "via": "token"}
    used = [t for t in (await api.get("/api/v1/tokens")).json()["items"] if t["id"] == body["id"]]
    assert used[0]["last_used_at"] is not None

    assert (await api.delete(f"/api/v1/tokens/{body['id']}")).status_code == 204
    refused = await anonymous.get("/api/v1/channels", headers=_bearer(token))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"


async def test_a_token_never_gets_a_role_above_its_creators(api: ApiClient) -> None:
    operator = await api.as_role(Role.OPERATOR)
    answer = await operator.post("/api/v1/tokens", json={"name": "x", "role": "admin"})
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["field"] == "role"
    same = await operator.post("/api/v1/tokens", json={"name": "x", "role": "operator"})
    assert same.status_code == 201
    past = await operator.post(
        "/api/v1/tokens", json={"name": "x", "role": "viewer", "expires_at": "2020-01-01T00:00:00Z"}
    )
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "expires_at"


async def test_people_see_and_revoke_only_their_own_tokens_but_an_admin_all(
    api: ApiClient,
) -> None:
    viewer = await api.as_role(Role.VIEWER)
    other = await api.as_role(Role.VIEWER)
    mine = (await viewer.post("/api/v1/tokens", json={"name": "mine", "role": "viewer"})).json()
    theirs = (await other.post("/api/v1/tokens", json={"name": "theirs", "role": "viewer"})).json()
    names = {t["name"] for t in (await viewer.get("/api/v1/tokens")).json()["items"]}
    assert "mine" in names
    assert "theirs" not in names
    assert (await viewer.delete(f"/api/v1/tokens/{theirs['id']}")).status_code == 404
    everyone = {t["name"] for t in (await api.get("/api/v1/tokens")).json()["items"]}
    assert {"mine", "theirs"} <= everyone
    assert (await api.delete(f"/api/v1/tokens/{mine['id']}")).status_code == 204


async def test_demoting_or_disabling_a_user_refuses_their_tokens_at_once(api: ApiClient) -> None:
    operator = await api.as_role(Role.OPERATOR)
    assert (await operator.get("/api/v1/channels")).status_code == 200
    demoted = await api.patch(f"/api/v1/users/{operator.user_id}", json={"role": "viewer"})
    assert demoted.status_code == 200
    assert demoted.json()["role"] == "viewer"
    assert (await operator.get("/api/v1/channels")).status_code == 401

    viewer = await api.as_role(Role.VIEWER)
    assert (await viewer.get("/api/v1/channels")).status_code == 200
    disabled = await api.patch(f"/api/v1/users/{viewer.user_id}", json={"disabled": True})
    assert disabled.status_code == 200
    assert disabled.json()["disabled"] is True
    assert (await viewer.get("/api/v1/channels")).status_code == 401


async def test_a_disabled_user_cannot_log_in(api: ApiClient) -> None:
    made = await api.post(
        "/api/v1/users", json={"username": "night", "password": "night-shift-1", "role": "operator"}
    )
    assert made.status_code == 201, made.text
    credentials = {"username": "night", "password": "night-shift-1"}
    anonymous = api.anonymous()
    assert (await anonymous.post("/api/v1/auth/token", json=credentials)).status_code == 200
    await api.patch(f"/api/v1/users/{made.json()['id']}", json={"disabled": True})
    assert (await anonymous.post("/api/v1/auth/token", json=credentials)).status_code == 401


async def test_users_are_checked_named_uniquely_and_the_last_admin_stays(api: ApiClient) -> None:
    short = await api.post(
        "/api/v1/users", json={"username": "a", "password": "x", "role": "viewer"}
    )
    assert short.status_code == 422
    assert short.json()["errors"][0]["field"] == "password"
    bad_name = await api.post(
        "/api/v1/users", json={"username": "a b", "password": "long-enough", "role": "viewer"}
    )
    assert bad_name.status_code == 422
    assert bad_name.json()["errors"][0]["field"] == "username"
    bad_role = await api.post(
        "/api/v1/users", json={"username": "ab", "password": "long-enough", "role": "root"}
    )
    assert bad_role.status_code == 422
    assert bad_role.json()["errors"][0]["field"] == "role"
    twice = await api.post(
        "/api/v1/users", json={"username": "admin", "password": "long-enough", "role": "viewer"}
    )
    assert twice.status_code == 409
    last = await api.patch("/api/v1/users/1", json={"role": "operator"})
    assert last.status_code == 409
    assert (await api.patch("/api/v1/users/999", json={"disabled": True})).status_code == 404


async def test_requests_with_one_token_arriving_together_share_one_lookup(api: ApiClient) -> None:
    """Fifty pollers with one token cost one credential query per wave, not fifty."""
    accounts: AccountService = api.app.state.accounts
    before = accounts.lookups.computed
    answers = await asyncio.gather(*(api.get("/api/v1/auth/me") for _ in range(50)))
    assert {a.status_code for a in answers} == {200}
    assert accounts.lookups.computed - before < 50
    assert accounts.lookups.joined > 0
