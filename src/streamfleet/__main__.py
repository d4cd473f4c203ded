"""``python -m streamfleet`` is the ``streamfleet`` command."""

from streamfleet.cli import app

app(prog_name="streamfleet")
