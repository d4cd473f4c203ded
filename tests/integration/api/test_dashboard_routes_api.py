"""The dashboard's single-page routes fall back to index.html; API paths never do."""

from __future__ import annotations

from tests.support.server import ApiClient


async def test_a_client_side_route_answers_the_dashboard_page(api: ApiClient) -> None:
    response = await api.get("/channels/news-hd")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<" in response.text


async def test_unknown_api_paths_and_missing_files_are_404_problems(api: ApiClient) -> None:
    for path in ("/api/v1/nothing", "/api/v2/channels", "/missing.js"):
        response = await api.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"


async def test_paths_outside_the_static_folder_are_not_served(api: ApiClient) -> None:
    response = await api.get("/..%2f..%2fpyproject.toml")
    assert response.status_code == 404
