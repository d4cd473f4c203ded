"""Fixtures shared by every test layer live in ``tests/support/``; each module owns one concern."""

pytest_plugins = [
    "tests.support.services",
    "tests.support.media",
    "tests.support.server",
    "tests.support.s3",
    "tests.support.archive_media",
]


def _cheap_password_hashing() -> None:
    """argon2's cheapest parameters: each test's first-start admin costs microseconds, not 0.1 s."""
    from argon2.profiles import CHEAPEST

    from streamfleet.accounts import passwords

    passwords.use_parameters(CHEAPEST)


_cheap_password_hashing()


def _no_hypothesis_deadline() -> None:
    """Hypothesis fails an example that takes over 200 ms by default: a wall-clock limit that a
    loaded two-core runner breaks at random (one such failure in a loaded run). Speed is the
    benchmark's to measure; property tests check only what is computed."""
    from hypothesis import settings

    settings.register_profile("streamfleet", deadline=None)
    settings.load_profile("streamfleet")


_no_hypothesis_deadline()
