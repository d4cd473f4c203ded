"""The API schema's closed lists of names are the domain's, not copies that can drift."""

from __future__ import annotations

from typing import get_args

from streamfleet.api.schemas.channels import ContentCheckName, StatusName
from streamfleet.domain.content_check import CONTENT_CHECKS
from streamfleet.domain.status import Status


def test_the_status_names_of_the_schema_are_the_status_enum() -> None:
    assert get_args(StatusName) == tuple(s.value for s in Status)


def test_the_content_check_names_of_the_schema_are_the_domains() -> None:
    assert get_args(ContentCheckName) == CONTENT_CHECKS
