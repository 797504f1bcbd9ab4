"""The contact directory (R-DIR1): active profiles that have extensions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from phonedesk import paging
from phonedesk import search as text_search
from phonedesk.models import Extension, Profile
from phonedesk.paging import Total
from phonedesk.profiles.service import extension_numbers
from phonedesk.scope import Scope


@dataclass(frozen=True)
class DirectoryEntry:
    profile_id: str
    first_name: str
    last_name: str
    username: str
    email: str
    extensions: list[str]


def search(
    scope: Scope, q: str | None = None, *, limit: int = 50, offset: int = 0
) -> tuple[list[DirectoryEntry], Total]:
    """Entries ordered by name; ``q`` matches name, username, email or extension number.

    The directory is driven by the account's extensions (far fewer than its
    profiles): their holders are read by id and matched on the folded search text,
    which finds what the profile search finds (see :mod:`phonedesk.search`).
    """
    holders = select(Extension.profile_id).where(Extension.account_id == scope.account_id)
    stmt = select(Profile).where(
        Profile.account_id == scope.account_id,
        Profile.is_active,
        Profile.id.in_(holders),
    )
    needle = text_search.folded(q)
    order: list[Any] = [Profile.sort_last, Profile.sort_first, Profile.id]
    if needle:
        text = (q or "").strip()
        by_number = holders.where(Extension.number.startswith(text, autoescape=True))
        stmt = stmt.where(or_(text_search.contains(Profile.search_text, needle),
                              Profile.id.in_(by_number)))
        order = text_search.ordered_for_search(order)
    total = paging.bounded_total(scope.db, stmt, offset=offset, limit=limit)
    rows = list(scope.db.scalars(stmt.order_by(*order).limit(limit).offset(offset)))
    numbers = extension_numbers(scope, [p.id for p in rows])
    entries = [
        DirectoryEntry(
            profile_id=p.public_id,
            first_name=p.first_name,
            last_name=p.last_name,
            username=p.username,
            email=p.email,
            extensions=numbers[p.id],
        )
        for p in rows
    ]
    return entries, total
