"""``/thumbs/<slug>.jpg``: validators, 304 on revalidation, nothing outside its folder."""

from __future__ import annotations

import os

import pytest

from streamfleet.media.thumbnail import write_atomic
from tests.support.server import ApiClient

pytestmark = pytest.mark.asyncio(loop_scope="session")

JPEG = b"\xff\xd8\xff\xe0" + b"thumbnail" * 100 + b"\xff\xd9"


def put_thumbnail(
    api: ApiClient, slug: str, data: bytes = JPEG, mtime: float | None = None
) -> None:
    path = api.app.state.settings.thumbs_dir / f"{slug}.jpg"
    write_atomic(path, data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


async def test_a_thumbnail_is_served_as_jpeg_with_validators_and_no_cache(api: ApiClient) -> None:
    """ETag, Last-Modified and Cache-Control: no-cache."""
    put_thumbnail(api, "news-hd", mtime=1_764_013_500)
    response = await api.get("/thumbs/news-hd.jpg")
    assert response.status_code == 200
    assert response.content == JPEG
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["last-modified"] == "Mon, 24 Nov 2025 19:45:00 GMT"
    assert response.headers["etag"].startswith('"')


async def test_revalidation_with_the_etag_or_the_date_answers_304(api: ApiClient) -> None:
    """Either validator works; the 304 repeats the validators and has no body."""
    put_thumbnail(api, "news-hd", mtime=1_764_013_500)
    etag = (await api.get("/thumbs/news-hd.jpg")).headers["etag"]
    by_etag = await api.get("/thumbs/news-hd.jpg", headers={"If-None-Match": f'W/"x", {etag}'})
    by_date = await api.get(
        "/thumbs/news-hd.jpg", headers={"If-Modified-Since": "Mon, 24 Nov 2025 19:45:00 GMT"}
    )
    for response in (by_etag, by_date):
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == etag


async def test_a_new_thumbnail_fails_revalidation_and_is_sent_again(api: ApiClient) -> None:
    """A replaced file has a new ETag and a later date."""
    put_thumbnail(api, "news-hd", mtime=1_764_013_500)
    old = await api.get("/thumbs/news-hd.jpg")
    put_thumbnail(api, "news-hd", JPEG + b"new", mtime=1_764_013_510)
    response = await api.get(
        "/thumbs/news-hd.jpg",
        headers={"If-None-Match": old.headers["etag"]},
    )
    assert response.status_code == 200
    assert response.content == JPEG + b"new"
    stale_date = await api.get(
        "/thumbs/news-hd.jpg", headers={"If-Modified-Since": old.headers["last-modified"]}
    )
    assert stale_date.status_code == 200


async def test_head_answers_the_headers_without_the_body(api: ApiClient) -> None:
    """HEAD gives the length and validators."""
    put_thumbnail(api, "news-hd")
    response = await api.head("/thumbs/news-hd.jpg")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(JPEG))


@pytest.mark.parametrize(
    "path",
    [
        "/thumbs/unknown.jpg",
        "/thumbs/Not-A-Slug.jpg",
        "/thumbs/..%2F..%2Fstreamfleet.db.jpg",
        "/thumbs/%2E%2E.jpg",
        "/thumbs/-x.jpg",
    ],
)
async def test_unknown_or_unsafe_names_are_404_problems(api: ApiClient, path: str) -> None:
    """No thumbnail, or a name that is not a slug: 404, nothing read outside thumbs_dir."""
    response = await api.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
