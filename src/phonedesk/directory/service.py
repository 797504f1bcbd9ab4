"""The contact directory (R-DIR1): active profiles that have extensions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, or_, select

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
    """Entries ordered by name; ``q`` matches name, username or extension number."""
    has_extension = exists().where(
        Extension.profile_id == Profile.id, Extension.account_id == scope.account_id
    )
    stmt = select(Profile).where(
        Profile.account_id == scope.account_id,
        Profile.is_active,
        has_extension,
    )
    matches = text_search.profile_matches(scope.db, q)
    if matches is not None:
        text = (q or "").strip()
        number_match = exists().where(
            Extension.profile_id == Profile.id,
            Extension.number.startswith(text, autoescape=True),
        )
        stmt = stmt.where(or_(matches, number_match))
    total = paging.bounded_total(scope.db, stmt, offset=offset, limit=limit)
    rows = list(
        scope.db.scalars(
            stmt.order_by(Profile.sort_last, Profile.sort_first, Profile.id)
            .limit(limit)
            .offset(offset)
        )
    )
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
