"""Reading the profiles table: search, sort and pages (R-P1, the User Profiles table).

Ordered by folded sort keys (:mod:`phonedesk.models.search_keys`) then the id,
which one index per sort key serves; searched through :mod:`phonedesk.search`;
paged by offset or by an "after" cursor, with a bounded total (:mod:`phonedesk.paging`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select

from phonedesk import paging, search
from phonedesk.errors import ValidationFailed
from phonedesk.models import Profile
from phonedesk.paging import Total
from phonedesk.scope import Scope

SORTABLE = {
    "last_name": (Profile.sort_last, Profile.sort_first),
    "first_name": (Profile.sort_first, Profile.sort_last),
    "email": (Profile.sort_email,),
    "username": (Profile.sort_username,),
    "status": (Profile.status,),
    "created_at": (Profile.created_at,),
}


@dataclass(frozen=True)
class ProfileQuery:
    q: str | None = None
    status: str | None = None
    sort: str = "last_name"
    descending: bool = False
    limit: int = 50
    offset: int = 0
    after: str | None = None


def _search(scope: Scope, q: str) -> ColumnElement[bool] | None:
    """Name, full name, email or username (folded, indexed), or the exact Internal ID."""
    return search.profile_matches(scope.db, q, or_public_id=True)


def list_profiles(scope: Scope, query: ProfileQuery) -> tuple[list[Profile], Total]:
    """A page of live profiles and how many match (bounded: see :mod:`phonedesk.paging`).

    Ordered by the folded sort key then the id, which one index per sort key
    serves; ``query.after`` (a cursor from :func:`next_cursor`) starts after a row.
    """
    if query.sort not in SORTABLE:
        raise ValidationFailed(
            f"Cannot sort by “{query.sort}”; use one of {', '.join(SORTABLE)}.", field="sort"
        )
    stmt = select(Profile).where(
        Profile.account_id == scope.account_id, Profile.is_live
    )
    matches = _search(scope, query.q or "")
    if matches is not None:
        stmt = stmt.where(matches)
    if query.status:
        stmt = stmt.where(Profile.status == query.status)
    total = paging.bounded_total(scope.db, stmt, offset=query.offset, limit=query.limit)
    columns = [*SORTABLE[query.sort], Profile.id]
    if query.after:
        kinds = [datetime if c is Profile.created_at else (int if c is Profile.id else str)
                 for c in columns]
        values = paging.decode_cursor(query.after, query.sort, query.descending, kinds)
        stmt = stmt.where(paging.after(columns, values, query.descending))
    terms = columns if matches is None else search.ordered_for_search(columns)
    order: list[Any] = [c.desc() if query.descending else c.asc() for c in terms]
    # The page's ids first (an index-only walk of the live-profiles index for a deep
    # offset), then only those rows.
    page = (stmt.with_only_columns(Profile.id).order_by(*order).limit(query.limit)
            .offset(query.offset).subquery())
    rows = scope.db.scalars(select(Profile).join(page, page.c.id == Profile.id).order_by(*order))
    return list(rows), total


def next_cursor(query: ProfileQuery, rows: list[Profile]) -> str | None:
    """The "after" cursor of the page following ``rows`` (None when it was the last)."""
    if len(rows) < query.limit or not rows:
        return None
    last = rows[-1]
    values = [getattr(last, c.key) for c in SORTABLE[query.sort]] + [last.id]
    return paging.encode_cursor(query.sort, query.descending, values)
