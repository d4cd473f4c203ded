"""Import from M3U/YAML and export to YAML over HTTP: all or nothing, errors with line numbers."""

from __future__ import annotations

import yaml

from streamfleet.events.envelope import EventType
from tests.support.playlists import m3u_with_bad_entries
from tests.support.server import ApiClient


async def channel_total(api: ApiClient) -> int:
    total: int = (await api.get("/api/v1/channels")).json()["total"]
    return total


async def test_sixty_entries_with_three_bad_answer_422_listing_their_lines_and_import_nothing(
    api: ApiClient,
) -> None:
    playlist = m3u_with_bad_entries()
    response = await api.post(
        "/api/v1/channels/import",
        params={"format": "m3u"},
        content=playlist.text.encode(),
        headers={"content-type": "audio/x-mpegurl"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [e["line"] for e in problem["errors"]] == playlist.bad_lines
    assert {e["field"] for e in problem["errors"]} == {"input_url"}
    assert "nothing was imported" in problem["detail"]
    assert await channel_total(api) == 0


async def test_with_partial_the_57_good_entries_are_imported_and_the_3_reported(
    api: ApiClient,
) -> None:
    playlist = m3u_with_bad_entries()
    subscription = api.app.state.bus.subscribe()
    response = await api.post(
        "/api/v1/channels/import", params={"partial": "true"}, content=playlist.text.encode()
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["imported"] == playlist.good_count == 57
    assert result["dry_run"] is False
    assert [e["line"] for e in result["errors"]] == playlist.bad_lines
    assert await channel_total(api) == 57
    first = result["channels"][0]
    assert (first["name"], first["slug"], first["tags"]) == ("Channel 0", "channel-0", ["Group 0"])
    created = [await subscription.get() for _ in range(57)]
    assert {e.type for e in created if e is not None} == {EventType.CHANNEL_CREATED}
    subscription.close()


async def test_a_dry_run_previews_without_writing(api: ApiClient) -> None:
    playlist = m3u_with_bad_entries(total=10, bad=())
    response = await api.post(
        "/api/v1/channels/import", params={"dry_run": "true"}, content=playlist.text.encode()
    )
    assert response.status_code == 200
    result = response.json()
    assert result["dry_run"] is True
    assert len(result["channels"]) == 10
    assert await channel_total(api) == 0


async def test_an_export_imports_back_into_an_empty_server(api: ApiClient) -> None:
    await api.post(
        "/api/v1/channels",
        json={
            "name": "News HD",
            "input_url": "rtmp://user:pw@src.example/live/key",
            "tags": ["news"],
            "profile": "720p",
            "hls": {"segment_seconds": 4},
            "content_checks": ["black"],
        },
    )
    await api.post("/api/v1/channels", json={"name": "Push", "ingest_mode": "listen_srt"})
    exported = await api.get("/api/v1/channels/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("application/yaml")
    document = yaml.safe_load(exported.text)
    assert document["version"] == 1
    assert [c["slug"] for c in document["channels"]] == ["news-hd", "push"]
    before = (await api.get("/api/v1/channels")).json()["items"]
    for channel in before:
        await api.delete(f"/api/v1/channels/{channel['id']}")

    response = await api.post(
        "/api/v1/channels/import", params={"format": "yaml"}, content=exported.content
    )
    assert response.status_code == 200, response.text
    after = (await api.get("/api/v1/channels")).json()["items"]
    config = ("slug", "name", "input_url", "tags", "profile", "hls", "listen_port", "passphrase")
    assert [{k: c[k] for k in config} for c in after] == [{k: c[k] for k in config} for c in before]


async def test_importing_a_slug_that_exists_reports_its_line(api: ApiClient) -> None:
    await api.post("/api/v1/channels", json={"name": "Taken", "input_url": "udp://239.0.0.1:1"})
    text = "channels:\n  - name: New\n    slug: taken\n    input_url: udp://239.0.0.1:2\n"
    response = await api.post("/api/v1/channels/import", content=text.encode())
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "slug", "message": "slug 'taken' is already used by another channel", "line": 2}
    ]


async def test_a_file_that_is_not_utf8_is_422_on_body(api: ApiClient) -> None:
    response = await api.post("/api/v1/channels/import", content=b"#EXTM3U\n\xff\xfe\n")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"


async def test_broken_yaml_is_422_with_its_line(api: ApiClient) -> None:
    response = await api.post(
        "/api/v1/channels/import", content=b"channels:\n  - name: [unclosed\n"
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "body"
    assert error["line"] >= 2
