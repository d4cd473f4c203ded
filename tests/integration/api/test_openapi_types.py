"""The dashboard's generated REST types are what the current server's document produces.

``web/src/api/openapi.d.ts`` is checked in; ``make api-types`` regenerates it. This
test regenerates it into a temporary folder with the same command and compares.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Final

from streamfleet.api.openapi_dump import openapi_json
from tests.support.services import service_unavailable

ROOT: Final = Path(__file__).resolve().parents[3]
GENERATOR: Final = ROOT / "web" / "node_modules" / ".bin" / "openapi-typescript"
CHECKED_IN: Final = ROOT / "web" / "src" / "api" / "openapi.d.ts"
GENERATE_TIMEOUT_S: Final = 120


def generate_types(document: Path, output: Path) -> None:
    """What ``make api-types`` runs after writing the document."""
    subprocess.run(
        [str(GENERATOR), str(document), "--default-non-nullable", "false", "--output", str(output)],
        check=True,
        capture_output=True,
        timeout=GENERATE_TIMEOUT_S,
    )


def test_the_checked_in_dashboard_types_are_generated_from_the_current_document(
    tmp_path: Path,
) -> None:
    if not GENERATOR.is_file():
        service_unavailable(f"{GENERATOR} is missing: run `make build` (npm ci in web/)")
    document = tmp_path / "openapi.json"
    document.write_text(openapi_json(), encoding="utf-8")
    generated = tmp_path / "openapi.d.ts"
    generate_types(document, generated)
    assert generated.read_text(encoding="utf-8") == CHECKED_IN.read_text(encoding="utf-8"), (
        "web/src/api/openapi.d.ts differs from the server's OpenAPI document: run `make api-types`"
    )
