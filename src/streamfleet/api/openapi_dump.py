"""``python -m streamfleet.api.openapi_dump``: the API's OpenAPI document, as JSON on stdout.

No server, database or configuration is needed: the app is built and asked for its
document. ``make api-types`` turns it into the dashboard's ``web/src/api/openapi.d.ts``.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from streamfleet.api.app import create_app
from streamfleet.config import Settings


def openapi_document() -> dict[str, Any]:
    """The document ``/api/openapi.json`` serves (it depends on no setting)."""
    return create_app(Settings.model_construct()).openapi()


def openapi_json() -> str:
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(openapi_json())
