"""The webhook signature of docs/webhooks.md."""

from __future__ import annotations

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from streamfleet.alerts.signature import sign, verify

BODY = b'{"id":1,"event":"test"}'


def test_the_signature_is_the_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(b"s3cret", b"1764013512." + BODY, hashlib.sha256).hexdigest()
    assert sign("s3cret", 1764013512, BODY) == "sha256=" + expected


def test_a_fresh_correct_signature_verifies() -> None:
    sig = sign("s3cret", 1000, BODY)
    assert verify("s3cret", "1000", sig, BODY, now=1100)


def test_a_replayed_request_older_than_the_tolerance_is_refused() -> None:
    sig = sign("s3cret", 1000, BODY)
    assert not verify("s3cret", "1000", sig, BODY, now=1301)


def test_a_changed_timestamp_breaks_the_signature() -> None:
    sig = sign("s3cret", 1000, BODY)
    assert not verify("s3cret", "1001", sig, BODY, now=1000)
    assert not verify("s3cret", "soon", sig, BODY, now=1000)


@given(st.binary(), st.binary(min_size=1))
def test_any_change_of_the_body_breaks_the_signature(body: bytes, extra: bytes) -> None:
    sig = sign("k", 5, body)
    assert verify("k", "5", sig, body, now=5)
    assert not verify("k", "5", sig, body + extra, now=5)
    assert not verify("other", "5", sig, body, now=5)
