"""Fixtures shared by every test layer live in ``tests/support/``; each module owns one concern."""

pytest_plugins = [
    "tests.support.services",
    "tests.support.media",
    "tests.support.server",
]
