"""Roles compare by rank; the login throttle allows 5 failures a minute per key."""

from __future__ import annotations

import pytest

from streamfleet.accounts.credentials import csrf_token, mint_token, secret_hash
from streamfleet.accounts.throttle import LoginThrottle, SlidingWindowLimiter
from streamfleet.domain.roles import Role, lower_of


def test_roles_are_ordered_viewer_operator_admin() -> None:
    assert Role.VIEWER < Role.OPERATOR < Role.ADMIN
    assert Role.ADMIN >= Role.OPERATOR
    assert Role.OPERATOR.at_least(Role.VIEWER)
    assert not Role.VIEWER.at_least(Role.OPERATOR)
    assert sorted([Role.ADMIN, Role.VIEWER, Role.OPERATOR]) == [
        Role.VIEWER,
        Role.OPERATOR,
        Role.ADMIN,
    ]
    assert lower_of(Role.ADMIN, Role.VIEWER) is Role.VIEWER
    assert Role.VIEWER < "operator"  # by rank, not letter by letter ("viewer" > "operator")
    with pytest.raises(TypeError):
        assert Role.VIEWER < "root"


def test_the_sixth_failure_within_a_minute_waits_until_the_first_leaves_the_window() -> None:
    limiter = SlidingWindowLimiter(max_failures=5, window_s=60)
    for second in range(5):
        assert limiter.retry_after_s("a", float(second)) == 0
        limiter.fail("a", float(second))
    assert limiter.retry_after_s("a", 10.0) == 50
    assert limiter.retry_after_s("b", 10.0) == 0
    assert limiter.retry_after_s("a", 60.5) == 0  # the failure at 0 s has left the window


@pytest.mark.parametrize(("user", "address"), [("admin", "10.0.0.9"), ("other", "10.0.0.1")])
def test_failures_count_per_account_and_per_address(user: str, address: str) -> None:
    throttle = LoginThrottle()
    for _ in range(5):
        throttle.failed("admin", "10.0.0.1", 0.0)
    assert throttle.retry_after_s(user, address, 1.0) > 0


def test_a_success_clears_the_account_but_not_the_address() -> None:
    throttle = LoginThrottle()
    for _ in range(5):
        throttle.failed("Admin", "10.0.0.1", 0.0)
    throttle.succeeded("admin")
    assert throttle.retry_after_s("admin", "10.0.0.2", 1.0) == 0
    assert throttle.retry_after_s("admin", "10.0.0.1", 1.0) > 0


def test_tokens_are_recognisable_random_and_stored_as_their_sha256() -> None:
    a, b = mint_token(), mint_token()
    assert a.secret.startswith("sf_")
    assert a.secret != b.secret
    assert len(a.secret) >= 3 + 43  # 256 bits in URL-safe base64
    assert a.secret_hash == secret_hash(a.secret)
    assert len(a.secret_hash) == 64
    assert a.secret not in a.secret_hash
    assert csrf_token("one") != csrf_token("two")
