"""Browser security headers on every answer, the CSP on the dashboard, CORS only on media."""

from __future__ import annotations

import re

import httpx
import pytest

from streamfleet.api.dashboard import STATIC_DIR
from streamfleet.api.security_headers import CONTENT_SECURITY_POLICY
from tests.support.server import ApiClient

EVERY_ANSWER = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def assert_every_answer_headers(response: httpx.Response) -> None:
    for name, value in EVERY_ANSWER.items():
        assert response.headers.get(name) == value, (response.request.url, name)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/channels"),
        ("GET", "/api/v1/channels/999"),
        ("POST", "/api/v1/channels"),
        ("GET", "/healthz"),
        ("GET", "/api/openapi.json"),
        ("GET", "/"),
        ("GET", "/channels/news-hd"),
        ("GET", "/hls/none/index.m3u8"),
        ("GET", "/thumbs/none.jpg"),
    ],
)
async def test_every_answer_has_nosniff_a_referrer_policy_and_no_framing(
    api: ApiClient, method: str, path: str
) -> None:
    response = await api.request(method, path, json={} if method == "POST" else None)
    assert_every_answer_headers(response)


@pytest.mark.parametrize("path", ["/", "/channels/news-hd", "/alerts"])
async def test_the_dashboard_html_carries_the_content_security_policy(
    api: ApiClient, path: str
) -> None:
    response = await api.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy = response.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


async def test_json_answers_and_api_docs_carry_no_content_security_policy(api: ApiClient) -> None:
    """The policy is the dashboard's; Swagger UI at /api/docs loads from its CDN."""
    for path in ("/api/v1/channels", "/api/docs", "/healthz"):
        assert "content-security-policy" not in (await api.get(path)).headers


def test_the_built_dashboard_needs_no_inline_script_or_style() -> None:
    """What lets the policy leave out 'unsafe-inline' (checked when ``make build`` has run)."""
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        pytest.skip("the dashboard is not built (make build)")
    html = index.read_text()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all(" src=" in tag for tag in scripts)
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


@pytest.mark.parametrize(
    "path", ["/api/v1/channels", "/healthz", "/", "/api/openapi.json", "/metrics"]
)
async def test_the_api_and_dashboard_answer_no_cors_headers(api: ApiClient, path: str) -> None:
    response = await api.get(path, headers={"Origin": "https://elsewhere.example"})
    assert not [name for name in response.headers if name.startswith("access-control-")]


async def test_an_api_preflight_gets_no_cors_permission(api: ApiClient) -> None:
    response = await api.options(
        "/api/v1/channels",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/hls/none/index.m3u8", "/thumbs/none.jpg"])
async def test_media_answers_even_errors_allow_any_origin(api: ApiClient, path: str) -> None:
    response = await api.get(path, headers={"Origin": "https://player.example"})
    assert response.status_code == 404
    assert response.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/hls/news-hd/index.m3u8", "/thumbs/news-hd.jpg"])
async def test_media_preflights_are_answered_204_with_get_head_options(
    api: ApiClient, path: str
) -> None:
    response = await api.options(
        path,
        headers={
            "Origin": "https://player.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Range",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert "Range" in response.headers["access-control-allow-headers"]
    assert_every_answer_headers(response)
