"""Text that can be stored: no lone UTF-16 surrogates.

JSON (``"\\ud800"``) and YAML escapes can carry a lone surrogate into a Python
string; no database encoding can store it. Found at the edge, it is an error
naming the field, not an encoding failure deep in a driver.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

_SURROGATE: Final = re.compile("[\ud800-\udfff]")
MESSAGE: Final = "must be valid Unicode text (it holds a lone surrogate)"


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def without_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, so it can be encoded (as UTF-8)."""
    return _SURROGATE.sub("\ufffd", text)


def surrogate_path(value: object, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a surrogate, ``None`` if none does."""
    if isinstance(value, str):
        return (path or "body") if has_surrogate(value) else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and has_surrogate(key):
                return path or "body"
            found = surrogate_path(item, here)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = surrogate_path(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None
