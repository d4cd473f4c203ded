"""Fixtures shared by every test layer live in ``tests/support/``; each module owns one concern."""

pytest_plugins = [
    "tests.support.services",
    "tests.support.media",
    "tests.support.server",
]


def _cheap_password_hashing() -> None:
    """argon2's cheapest parameters: each test's first-start admin costs microseconds, not 0.1 s."""
    from argon2.profiles import CHEAPEST

    from streamfleet.accounts import passwords

    passwords.use_parameters(CHEAPEST)


_cheap_password_hashing()
