"""Signed playback paths: nginx's ``secure_link_md5`` token over an expiry and a path prefix."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streamfleet.domain.playback_signing import (
    MAX_EXPIRES,
    MAX_TTL_S,
    MIN_TTL_S,
    PlaybackSigner,
    SignedPath,
    Verdict,
    expiry_for,
    hls_resource,
    hls_slug,
    playback_token,
    split_signed,
    thumbnail_resource,
    verify,
)

SECRET = "abcdefghijklmnopqrstuvwxyz012345"
NOW = 1_764_013_000.5

slugs = st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?\Z")
secrets = st.from_regex(r"\A[A-Za-z0-9_-]{32,64}\Z")
expiries = st.integers(min_value=1, max_value=MAX_EXPIRES)


def test_tokens_match_what_openssl_computes_for_the_nginx_string() -> None:
    """Golden values from ``printf '<expires><prefix> <secret>' | openssl md5 -binary | base64``
    with ``+/`` made ``-_`` and ``=`` dropped: what nginx's ``secure_link_md5`` compares."""
    assert playback_token(SECRET, 1_764_013_500, "/hls/news-hd/") == "PqFcaOS0XaUPp00HwCZQug"
    assert playback_token(SECRET, 1_764_013_500, "/thumbs/news-hd.jpg") == "o3D4LinlyZc3sWaEyc12QA"


def test_a_signed_hls_url_puts_expiry_and_token_before_the_unsigned_path() -> None:
    url = PlaybackSigner(SECRET, 3600).hls_url("news-hd", NOW)
    empty, hls, s, expires, token, slug, name = url.split("/")
    assert (empty, hls, s, slug, name) == ("", "hls", "s", "news-hd", "index.m3u8")
    assert int(expires) == expiry_for(NOW, 3600)
    assert token == playback_token(SECRET, int(expires), "/hls/news-hd/")


def test_one_token_covers_the_playlist_every_segment_and_every_rendition() -> None:
    """Relative URIs in the playlist resolve under the same signed prefix."""
    url = PlaybackSigner(SECRET, 3600).hls_url("news-hd", NOW)
    base = url.rsplit("/", 1)[0]
    for name in ("index.m3u8", "seg_00042.ts", "720p/index.m3u8", "720p/seg_7.m4s"):
        signed = split_signed(f"{base}/{name}".removeprefix("/hls/s/"))
        assert signed is not None
        slug = hls_slug(signed.rest)
        assert slug == "news-hd"
        assert (
            verify(SECRET, signed.expires, signed.token, hls_resource(slug), NOW) is Verdict.VALID
        )


def test_a_token_is_valid_up_to_its_expiry_second_and_expired_after_it() -> None:
    """As nginx: expired only when ``expires < now``."""
    token = playback_token(SECRET, 2000, "/hls/a/")
    assert verify(SECRET, 2000, token, "/hls/a/", 1999.0) is Verdict.VALID
    assert verify(SECRET, 2000, token, "/hls/a/", 2000.9) is Verdict.VALID
    assert verify(SECRET, 2000, token, "/hls/a/", 2001.0) is Verdict.EXPIRED


def test_a_wrong_token_is_wrong_even_after_its_expiry() -> None:
    """The token is checked before the expiry (nginx's order): a forger learns nothing."""
    assert verify(SECRET, 2000, "A" * 22, "/hls/a/", 5000.0) is Verdict.WRONG


@pytest.mark.parametrize(
    ("expires", "token", "resource", "secret"),
    [
        (2001, None, "/hls/a/", SECRET),  # a later expiry
        (2000, None, "/hls/b/", SECRET),  # another channel
        (2000, None, "/thumbs/a.jpg", SECRET),  # the thumbnail's token is another one
        (2000, None, "/hls/a/", SECRET[::-1]),  # another secret
        (2000, "short", "/hls/a/", SECRET),
        (2000, "A" * 21 + "$", "/hls/a/", SECRET),
        (0, None, "/hls/a/", SECRET),
        (MAX_EXPIRES + 1, None, "/hls/a/", SECRET),
    ],
)
def test_tokens_for_another_expiry_path_or_secret_are_wrong(
    expires: int, token: str | None, resource: str, secret: str
) -> None:
    given_token = token if token is not None else playback_token(SECRET, 2000, "/hls/a/")
    assert verify(secret, expires, given_token, resource, 1000.0) is Verdict.WRONG


@given(secret=secrets, slug=slugs, expires=expiries)
def test_every_signed_prefix_verifies(secret: str, slug: str, expires: int) -> None:
    token = playback_token(secret, expires, hls_resource(slug))
    assert len(token) == 22
    assert "=" not in token
    assert verify(secret, expires, token, hls_resource(slug), expires) is Verdict.VALID


@given(
    secret=secrets,
    slug=slugs,
    other=slugs,
    expires=expiries,
    position=st.integers(0, 20),
    char=st.sampled_from("AQgw"),
)
def test_an_altered_character_expiry_or_slug_is_refused(
    secret: str, slug: str, other: str, expires: int, position: int, char: str
) -> None:
    """Any other character anywhere in the token is refused (the last character of a real
    token is one of ``AQgw``: its four low bits are padding)."""
    token = playback_token(secret, expires, hls_resource(slug))
    altered = token[:position] + char + token[position + 1 :]
    if altered != token:
        assert verify(secret, expires, altered, hls_resource(slug), 0) is Verdict.WRONG
    if expires < MAX_EXPIRES:
        assert verify(secret, expires + 1, token, hls_resource(slug), 0) is Verdict.WRONG
    if other != slug:
        assert verify(secret, expires, token, hls_resource(other), 0) is Verdict.WRONG


@given(now=st.integers(0, 4_000_000_000), ttl=st.integers(MIN_TTL_S, MAX_TTL_S))
def test_an_expiry_lies_past_the_ttl_by_at_most_a_quarter_of_it(now: int, ttl: int) -> None:
    expires = expiry_for(now, ttl)
    assert now + ttl < expires <= now + ttl + ttl // 4


def test_urls_signed_within_one_step_are_identical() -> None:
    """A quarter of the TTL: browsers, caches and shared channel pages keep one URL."""
    signer = PlaybackSigner(SECRET, 3600)
    start = 1_764_000_000  # a multiple of 900
    assert signer.hls_url("a", start) == signer.hls_url("a", start + 899.9)
    assert signer.hls_url("a", start) != signer.hls_url("a", start + 900)


def test_a_thumbnail_url_is_signed_over_its_own_path() -> None:
    url = PlaybackSigner(SECRET, 60).thumbnail_url("news-hd", NOW)
    signed = split_signed(url.removeprefix("/thumbs/s/"))
    assert signed is not None
    assert signed.rest == "news-hd.jpg"
    resource = thumbnail_resource("news-hd")
    assert verify(SECRET, signed.expires, signed.token, resource, NOW) is Verdict.VALID


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("1764013500/PqFcaOS0XaUPp00HwCZQug/news-hd/index.m3u8",
         SignedPath(1764013500, "PqFcaOS0XaUPp00HwCZQug", "news-hd/index.m3u8")),
        ("1764013500/PqFcaOS0XaUPp00HwCZQug/news-hd.jpg",
         SignedPath(1764013500, "PqFcaOS0XaUPp00HwCZQug", "news-hd.jpg")),
        ("17640135000000/PqFcaOS0XaUPp00HwCZQug/a/index.m3u8", None),  # past 10 digits
        ("-1/PqFcaOS0XaUPp00HwCZQug/a/index.m3u8", None),
        ("1764013500/PqFcaOS0XaUPp00HwCZQu/a/index.m3u8", None),  # 21 characters
        ("1764013500/PqFcaOS0XaUPp00HwCZQug=/a/index.m3u8", None),
        ("1764013500/PqFcaOS0XaUPp00HwCZQug", None),
        ("index.m3u8", None),
    ],
)  # fmt: skip
def test_a_signed_path_splits_only_in_its_exact_shape(
    path: str, expected: SignedPath | None
) -> None:
    assert split_signed(path) == expected


@pytest.mark.parametrize(
    ("rest", "slug"),
    [("news-hd/index.m3u8", "news-hd"), ("news-hd", None), ("../x/a.ts", None), ("-a/x.ts", None)],
)
def test_the_slug_of_an_hls_path_must_be_a_valid_slug(rest: str, slug: str | None) -> None:
    assert hls_slug(rest) == slug


@pytest.mark.parametrize(
    ("secret", "ttl_s"),
    [("short", 3600), ("x" * 31, 3600), ("$" * 32, 3600), ('"' * 40, 3600), (SECRET, 29),
     (SECRET, MAX_TTL_S + 1)],
)  # fmt: skip
def test_a_signer_refuses_a_secret_nginx_cannot_hold_or_a_ttl_out_of_bounds(
    secret: str, ttl_s: int
) -> None:
    with pytest.raises(ValueError, match="playback"):
        PlaybackSigner(secret, ttl_s)
