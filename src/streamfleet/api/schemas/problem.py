"""The one error body of the API: RFC 9457 problem details, as ``api/errors.py`` writes them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ProblemFieldError(BaseModel):
    """One broken rule: the dotted field (``hls.list_size``), what is wrong, the file's line."""

    field: str
    message: str
    line: int | None = None


class Problem(BaseModel):
    """Every 4xx and 5xx answer, as ``application/problem+json``."""

    type: str = Field(description="always about:blank")
    title: str = Field(description="the status code's name")
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str | None = Field(default=None, description="the request's path")
    errors: list[ProblemFieldError] | None = Field(
        default=None, description="one entry per broken rule, when the error names fields"
    )
