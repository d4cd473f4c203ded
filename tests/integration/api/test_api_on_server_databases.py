"""The API on PostgreSQL and MariaDB: the same answers as on SQLite for the main paths."""

from __future__ import annotations

from tests.support.playlists import m3u_with_bad_entries
from tests.support.server import ApiClient

NEWS = {"name": "Nachrichten ünd Sport ✓", "input_url": "udp://239.0.0.1:1234", "tags": ["news"]}


async def test_create_filter_patch_and_delete(api_on_server_db: ApiClient) -> None:
    api = api_on_server_db
    created = (await api.post("/api/v1/channels", json=NEWS)).json()
    assert created["slug"] == "nachrichten-und-sport"
    assert created["name"] == NEWS["name"]
    await api.post(
        "/api/v1/channels",
        json={"name": "Sport", "input_url": "udp://239.0.0.2:1", "tags": ["sport"]},
    )
    news = (await api.get("/api/v1/channels", params={"tag": "news"})).json()
    assert [c["id"] for c in news["items"]] == [created["id"]]
    found = (await api.get("/api/v1/channels", params={"q": "SPORT"})).json()
    assert found["total"] == 2
    patched = await api.patch(f"/api/v1/channels/{created['id']}", json={"tags": ["a", "b"]})
    assert patched.json()["tags"] == ["a", "b"]
    assert (await api.delete(f"/api/v1/channels/{created['id']}")).status_code == 204
    assert (await api.get("/api/v1/channels")).json()["total"] == 1


async def test_a_duplicate_slug_is_409(api_on_server_db: ApiClient) -> None:
    api = api_on_server_db
    await api.post("/api/v1/channels", json=NEWS)
    response = await api.post("/api/v1/channels", json={**NEWS, "slug": "nachrichten-und-sport"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "slug"


async def test_sixty_entries_with_three_bad_import_all_or_nothing(
    api_on_server_db: ApiClient,
) -> None:
    api = api_on_server_db
    playlist = m3u_with_bad_entries()
    refused = await api.post("/api/v1/channels/import", content=playlist.text.encode())
    assert refused.status_code == 422
    assert [e["line"] for e in refused.json()["errors"]] == playlist.bad_lines
    assert (await api.get("/api/v1/channels")).json()["total"] == 0
    partial = await api.post(
        "/api/v1/channels/import", params={"partial": "true"}, content=playlist.text.encode()
    )
    assert partial.json()["imported"] == 57
    assert (await api.get("/api/v1/channels", params={"tag": "Group 3"})).json()["total"] == 11


async def test_readyz_checks_the_server_database(api_on_server_db: ApiClient) -> None:
    assert (await api_on_server_db.get("/readyz")).json()["database"] == "ok"
