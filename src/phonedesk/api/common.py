"""Small helpers shared by the REST routers: paging, ETags, If-Match."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, BeforeValidator, Field

from phonedesk.api.deps import get_database
from phonedesk.errors import PreconditionFailed
from phonedesk.scope import Scope, read_only

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")]
Search = Annotated[str | None, Query(max_length=200, description="Search text")]

_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                        r"([Zz]|[+-]\d{2}:?\d{2})?")


def _date_time_text(value: Any) -> Any:
    """Only the documented format, an RFC 3339 / ISO 8601 date-time: not "0.5", which
    pydantic would otherwise read as seconds since 1970."""
    if isinstance(value, str) and not _DATE_TIME.fullmatch(value.strip()):
        raise ValueError("must be a date-time such as 2026-11-20T09:30:00Z")
    return value


DateTimeQuery = Annotated[datetime, BeforeValidator(_date_time_text)]


After = Annotated[str | None, Query(max_length=500, description=(
    "Cursor: the `next` of the previous page; the page starts after its last item"))]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Matching items; a lower bound when `total_exact` is false")
    limit: int
    offset: int
    total_exact: bool = True
    next: str | None = Field(default=None, description="Pass as `after` for the next page")


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


CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


def streamed_csv(request: Request, scope: Scope, filename: str,
                 write: Callable[[Scope], Iterator[bytes]],
                 headers: dict[str, str] | None = None) -> StreamingResponse:
    """A CSV download of ``write(scope)``, streamed from a read session of its own.

    The request's session closes when the handler returns, before the body is
    sent, so the body reads through a fresh read-only session of the same
    account and actor, batch by batch, instead of loading every row first.
    """
    database = get_database(request)
    account_id, actor, settings = scope.account_id, scope.actor, scope.settings

    def body() -> Iterator[bytes]:
        with read_only(database, account_id=account_id, actor=actor, settings=settings) as own:
            yield from write(own)

    return StreamingResponse(
        body(), media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})},
    )
