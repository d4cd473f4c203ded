"""Finding the command-line tools the deployment tests drive (nginx, promtool, hadolint).

A tool that is not installed skips the test with the reason, or fails it under
``CI=true`` (``.ci/run`` installs the Debian packages; the wheels come with the
``test`` extra). The venv's ``bin`` is searched first: a wheel's script lives there
even when the venv is not activated.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tests.support.services import service_unavailable

VENV_BIN = Path(sys.executable).parent
SEARCH_PATH = f"{VENV_BIN}:/usr/sbin:/usr/bin:/usr/local/bin"
"""nginx lives in /usr/sbin, which a non-root PATH often lacks."""


def require_tool(name: str, provided_by: str) -> str:
    """The path of ``name``; skips (fails under CI) naming ``provided_by`` when missing."""
    found = shutil.which(name, path=SEARCH_PATH) or shutil.which(name)
    if found is None:
        service_unavailable(f"{name} is not installed (it comes with {provided_by})")
    return found
