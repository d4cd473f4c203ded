"""The audit log over HTTP (in-process, SQLite): changes made through the API are recorded
with who, from where and what changed, secrets masked, and ``GET /api/v1/audit`` filters and
pages them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from streamfleet.db.audit_models import AuditEventRow
from streamfleet.db.session import Database, transaction
from streamfleet.domain.audit import MASK
from tests.support.server import ApiClient, api_client_for, settings_for_test
from tests.support.waiting import wait_until

PASSWORD = "hunter2-cam-pass"
PASSPHRASE = "srt-passphrase-s3cret"
SECRET_URL = f"rtsp://admin:{PASSWORD}@127.0.0.1:8554/live?token=tok-{PASSWORD}"


async def create(api: ApiClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "News HD", "input_url": "udp://239.0.0.1:1234", **fields}
    response = await api.post("/api/v1/channels", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def audit(api: ApiClient, **params: Any) -> dict[str, Any]:
    response = await api.get("/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def stored_rows(api: ApiClient) -> str:
    """Every audit row as the database holds it, as one text."""
    database: Database = api.app.state.database
    async with transaction(database.sessions) as session:
        rows = (await session.execute(text("SELECT * FROM audit_events"))).all()
    return repr(rows)


async def test_create_update_and_delete_are_recorded_with_their_changed_fields(
    api: ApiClient,
) -> None:
    channel = await create(api, tags=["news"])
    patched = await api.patch(
        f"/api/v1/channels/{channel['id']}", json={"name": "News 24", "tags": ["news", "hd"]}
    )
    assert patched.status_code == 200
    assert (await api.delete(f"/api/v1/channels/{channel['id']}")).status_code == 204

    items = (await audit(api))["items"]
    assert [i["action"] for i in items] == ["channel.delete", "channel.update", "channel.create"]
    deleted, updated, created = items
    for item in items:
        assert (item["target_type"], item["target_id"]) == ("channel", str(channel["id"]))
        assert item["target_name"] == "news-hd"
        assert item["address"] == "127.0.0.1"
        assert (item["actor"], item["role"]) == ("admin", "admin")  # the test client's user
        assert item["at"].endswith("Z")
    assert updated["changes"] == {
        "name": ["News HD", "News 24"],
        "tags": [["news"], ["news", "hd"]],
    }
    assert created["changes"]["name"] == [None, "News HD"]
    assert created["changes"]["input_url"] == [None, "udp://239.0.0.1:1234"]
    assert "updated_at" not in created["changes"]
    assert deleted["changes"]["name"] == ["News 24", None]


async def test_a_source_password_and_a_passphrase_never_reach_the_audit_log(
    api: ApiClient,
) -> None:
    pulled = await create(api, name="Cam", input_url=SECRET_URL)
    pushed = await create(api, name="Push", input_url=None, ingest_mode="listen_srt")
    generated = (await api.get(f"/api/v1/channels/{pushed['id']}/source")).json()["passphrase"]
    patch = {"passphrase": PASSPHRASE, "backup_url": SECRET_URL}
    assert (await api.patch(f"/api/v1/channels/{pushed['id']}", json=patch)).status_code == 200
    assert (await api.delete(f"/api/v1/channels/{pulled['id']}")).status_code == 204

    answer = (await api.get("/api/v1/audit")).text
    stored = await stored_rows(api)
    for secret in (PASSWORD, PASSPHRASE, generated):
        assert secret not in answer
        assert secret not in stored
    items = (await audit(api, action="channel.update"))["items"]
    assert items[0]["changes"]["passphrase"] == [MASK, MASK]
    assert items[0]["changes"]["backup_url"][1].startswith("rtsp://***@127.0.0.1:8554/live")
    created = (await audit(api, action="channel.create", target_id=str(pulled["id"])))["items"]
    assert created[0]["changes"]["input_url"][1].startswith("rtsp://***@127.0.0.1:8554/live")


async def test_an_import_is_one_entry_with_the_slugs_it_added(api: ApiClient) -> None:
    playlist = "#EXTM3U\n#EXTINF:-1,One\nudp://239.0.0.1:1\n#EXTINF:-1,Two\nudp://239.0.0.1:2\n"
    response = await api.post("/api/v1/channels/import", content=playlist)
    assert response.status_code == 200, response.text
    [item] = (await audit(api))["items"]
    assert item["action"] == "channel.import"
    assert item["changes"] == {"imported": [None, 2], "slugs": [None, ["one", "two"]]}


async def test_a_dry_run_import_and_a_refused_change_are_not_recorded(api: ApiClient) -> None:
    playlist = "#EXTM3U\n#EXTINF:-1,One\nudp://239.0.0.1:1\n"
    assert (
        await api.post("/api/v1/channels/import?dry_run=true", content=playlist)
    ).status_code == 200
    bad = await api.post("/api/v1/channels", json={"name": "x", "input_url": "file:///etc/passwd"})
    assert bad.status_code == 422
    assert (await audit(api))["items"] == []


async def test_target_changes_are_recorded_without_the_secret(api: ApiClient) -> None:
    created = await api.post(
        "/api/v1/targets",
        json={"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook"},
    )
    assert created.status_code == 201, created.text
    target = created.json()
    rotated = await api.patch(f"/api/v1/targets/{target['id']}", json={"rotate_secret": True})
    assert rotated.status_code == 200
    items = (await audit(api, target_type="target"))["items"]
    assert [i["action"] for i in items] == ["target.update", "target.create"]
    assert items[0]["changes"] == {"secret": [MASK, MASK]}
    assert items[1]["target_name"] == "hook"
    answer = (await api.get("/api/v1/audit")).text + await stored_rows(api)
    assert target["secret"] not in answer
    assert rotated.json()["secret"] not in answer


async def test_filters_and_the_cursor_walk_every_entry_exactly_once(api: ApiClient) -> None:
    ids = [(await create(api, name=f"Channel {i}"))["id"] for i in range(7)]
    for channel_id in ids[:3]:
        assert (await api.delete(f"/api/v1/channels/{channel_id}")).status_code == 204
    everything = (await audit(api, limit=500))["items"]
    assert len(everything) == 10

    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await audit(api, limit=3, **({"cursor": cursor} if cursor else {}))
        seen.extend(i["id"] for i in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["id"] for i in everything]
    assert pages == 4

    deletes = (await audit(api, action="channel.delete"))["items"]
    assert sorted(int(i["target_id"]) for i in deletes) == sorted(ids[:3])
    one = (await audit(api, target_type="channel", target_id=str(ids[5])))["items"]
    assert [i["action"] for i in one] == ["channel.create"]
    newest = datetime.fromisoformat(everything[0]["at"])
    since = (await audit(api, since=everything[2]["at"]))["items"]
    assert [i["id"] for i in since] == [i["id"] for i in everything[:3]]
    until = (await audit(api, until=everything[2]["at"]))["items"]
    assert [i["id"] for i in until] == [i["id"] for i in everything[3:]]
    later = (newest + timedelta(seconds=1)).astimezone(UTC).isoformat()
    assert (await audit(api, since=later))["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"limit": 2**70}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "x" * 5000}, "cursor"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-01-01T00:00:00"}, "since"),
        ({"until": "0001-01-01T00:00:00+14:00"}, "until"),
        ({"actor": "a" * 65}, "actor"),
        ({"action": "x" * 65}, "action"),
    ],
)
async def test_bad_parameters_are_a_problem_naming_the_field(
    api: ApiClient, params: dict[str, Any], field: str
) -> None:
    response = await api.get("/api/v1/audit", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]]


# Actor, address, who may read it ---------------------------------------------------------------


async def test_the_user_who_made_the_change_is_the_recorded_actor(api: ApiClient) -> None:
    operator = await api.as_role("operator", username="olga")
    await create(operator)
    [item] = (await audit(api, actor="olga"))["items"]
    assert (item["actor"], item["role"], item["action"]) == ("olga", "operator", "channel.create")


async def test_only_admins_read_the_audit_log(api: ApiClient) -> None:
    for role in ("viewer", "operator"):
        client = await api.as_role(role)
        refused = await client.get("/api/v1/audit")
        assert refused.status_code == 403, role
        assert refused.headers["content-type"] == "application/problem+json"
    assert (await api.anonymous().get("/api/v1/audit")).status_code == 401


async def test_a_forwarded_address_counts_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    forwarded = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    async with api_client_for(settings_for_test(tmp_path / "a")) as api:
        await api.post(
            "/api/v1/channels",
            json={"name": "A", "input_url": "udp://239.0.0.1:1"},
            headers=forwarded,
        )
        [untrusted] = (await audit(api))["items"]
    async with api_client_for(
        settings_for_test(tmp_path / "b", trusted_proxies=["127.0.0.0/8"])
    ) as api:
        await api.post(
            "/api/v1/channels",
            json={"name": "B", "input_url": "udp://239.0.0.1:1"},
            headers=forwarded,
        )
        [trusted] = (await audit(api))["items"]
    assert untrusted["address"] == "127.0.0.1"
    assert trusted["address"] == "203.0.113.9"


async def test_old_entries_are_pruned_when_the_app_starts(tmp_path: Path) -> None:
    settings = settings_for_test(tmp_path / "data", audit_retention_days=30)
    async with api_client_for(settings) as api:
        await create(api)
        database: Database = api.app.state.database
        async with transaction(database.sessions) as session:
            await session.execute(
                update(AuditEventRow).values(at=datetime.now(UTC) - timedelta(days=31))
            )
    async with api_client_for(settings) as api:
        retention = api.app.state.audit_retention
        await wait_until(lambda: retention.runs >= 1, 10, "the first retention run")
        assert (await audit(api))["items"] == []


# Accounts --------------------------------------------------------------------------------------

USER_PASSWORD = "correct-horse-battery-staple-9"


async def test_logins_and_failed_logins_are_recorded_without_the_password(api: ApiClient) -> None:
    created = await api.post(
        "/api/v1/users", json={"username": "vera", "password": USER_PASSWORD, "role": "viewer"}
    )
    assert created.status_code == 201, created.text
    anonymous = api.anonymous()
    wrong = "wrong-password-" + USER_PASSWORD
    refused = await anonymous.post(
        "/api/v1/auth/login", json={"username": "vera", "password": wrong}
    )
    assert refused.status_code == 401
    good = {"username": "vera", "password": USER_PASSWORD}
    assert (await anonymous.post("/api/v1/auth/login", json=good)).status_code == 200
    assert (await anonymous.post("/api/v1/auth/token", json=good)).status_code == 200

    items = (await audit(api, target_type="user"))["items"]
    assert [i["action"] for i in items] == [
        "auth.login",
        "auth.login",
        "auth.login_failed",
        "user.create",
    ]
    token_login, session_login, failed, user_created = items
    assert (session_login["actor"], session_login["role"]) == ("vera", "viewer")
    assert session_login["changes"] == {"via": [None, "session"]}
    assert token_login["changes"] == {"via": [None, "token"]}
    assert (failed["actor"], failed["target_name"]) == (None, "vera")
    assert failed["changes"] == {"reason": [None, "bad credentials"]}
    assert user_created["actor"] == "admin"
    assert user_created["changes"] == {
        "disabled": [None, False],
        "role": [None, "viewer"],
        "username": [None, "vera"],
    }
    logged = (await api.get("/api/v1/audit")).text + await stored_rows(api)
    assert USER_PASSWORD not in logged


async def test_user_changes_and_tokens_are_recorded_without_secrets(api: ApiClient) -> None:
    user = (
        await api.post(
            "/api/v1/users", json={"username": "otto", "password": USER_PASSWORD, "role": "viewer"}
        )
    ).json()
    new_password = "another-long-password-77"
    changed = await api.patch(
        f"/api/v1/users/{user['id']}", json={"role": "operator", "password": new_password}
    )
    assert changed.status_code == 200, changed.text
    made = await api.post("/api/v1/tokens", json={"name": "ci", "role": "viewer"})
    assert made.status_code == 201, made.text
    token = made.json()
    assert (await api.delete(f"/api/v1/tokens/{token['id']}")).status_code == 204

    [updated] = (await audit(api, action="user.update"))["items"]
    assert updated["changes"] == {"password": [MASK, MASK], "role": ["viewer", "operator"]}
    revoked, created = (await audit(api, target_type="token"))["items"]
    assert (created["action"], created["target_name"]) == ("token.create", "ci")
    assert created["changes"]["role"] == [None, "viewer"]
    assert (revoked["action"], revoked["target_id"]) == ("token.revoke", str(token["id"]))
    logged = (await api.get("/api/v1/audit")).text + await stored_rows(api)
    for secret in (USER_PASSWORD, new_password, token["token"]):
        assert secret not in logged
