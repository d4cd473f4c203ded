"""Which live connections a revocation asks to check their credential again."""

from __future__ import annotations

import pytest

from streamfleet.accounts.principal import Principal
from streamfleet.accounts.service import Revocation
from streamfleet.domain.roles import Role

SESSION = Principal(user_id=1, username="ann", role=Role.OPERATOR, via="session", session_id=7)
TOKEN = Principal(user_id=1, username="ann", role=Role.VIEWER, via="token", token_id=9)
OTHER = Principal(user_id=2, username="bob", role=Role.ADMIN, via="token", token_id=3)


@pytest.mark.parametrize(
    ("revocation", "covered"),
    [
        (Revocation(user_id=1), {SESSION, TOKEN}),
        (Revocation(session_id=7), {SESSION}),
        (Revocation(token_id=9), {TOKEN}),
        (Revocation(token_id=7), set()),  # a token id is not a session id
        (Revocation(user_id=3), set()),
    ],
)
def test_a_revocation_covers_the_credentials_it_names(
    revocation: Revocation, covered: set[Principal]
) -> None:
    assert {p for p in (SESSION, TOKEN, OTHER) if revocation.covers(p)} == covered
