"""Bounded path and query parameters shared by the routers.

Every integer the API accepts has a bound here, at the edge: a number the
database cannot hold (a 64-bit overflow, say) is a 422 naming the parameter,
never a driver error that escapes as a 500.
"""

from __future__ import annotations

from typing import Annotated, Final

from fastapi import Path, Query

ROW_ID_MAX: Final = 2**31 - 1
"""The largest id a table hands out: a 32-bit ``INTEGER`` on PostgreSQL and MariaDB."""
OFFSET_MAX: Final = 10**9

RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
"""The id of one row in the path (``/channels/{channel_id}``)."""
RowIdFilter = Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)]
"""An optional id to filter a list by (``?channel_id=``)."""
Offset = Annotated[int, Query(ge=0, le=OFFSET_MAX)]
"""How many rows of a list to skip."""
