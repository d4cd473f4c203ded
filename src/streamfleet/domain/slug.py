"""URL-safe channel slugs derived from names."""

from __future__ import annotations

import re
import unicodedata
from typing import Final

MAX_SLUG_LENGTH: Final = 64
SLUG_RE: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def slugify(name: str) -> str:
    """Lower-case ASCII words joined by '-': ``"BBC One HD (UK)"`` → ``"bbc-one-hd-uk"``.

    Returns ``"channel"`` for a name with no usable character.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_name.lower())
    slug = "-".join(words)[:MAX_SLUG_LENGTH].strip("-")
    return slug or "channel"


def is_valid_slug(slug: str) -> bool:
    return bool(SLUG_RE.match(slug))


def unique_slug(base: str, taken: set[str]) -> str:
    """``base`` or ``base-2``, ``base-3`` … whichever is not in ``taken``."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1
