"""Small helpers shared by the REST routers: paging, ETags, If-Match."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Header, Query
from pydantic import BaseModel

from phonedesk.errors import PreconditionFailed

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]
Search = Annotated[str | None, Query(max_length=200, description="Search text")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` header names; ``*`` or no header means any."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit() or len(value) > 18:
        raise PreconditionFailed(
            "If-Match does not name a version of this object; reload it and retry.",
            code="stale_version",
        )
    return int(value)


IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]
