"""Reading extensions with who holds them (R-E1): one definition for the API, CLI and pages.

An extension is held by its assigned profile, or by the primary administrator
when none is assigned. Every read here returns that holder with the extension,
so no interface rebuilds it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select

from phonedesk import paging, search
from phonedesk.errors import NotFound
from phonedesk.models import Extension, Profile
from phonedesk.paging import Total
from phonedesk.profiles.roles import primary_admin
from phonedesk.scope import Scope


@dataclass(frozen=True)
class Held:
    """An extension, the profile assigned to it (None: held by the PA) and its holder."""

    extension: Extension
    assigned: Profile | None
    holder: Profile


def get_extension(scope: Scope, number: str) -> Extension:
    extension = scope.db.scalar(
        select(Extension).where(
            Extension.account_id == scope.account_id, Extension.number == number
        )
    )
    if extension is None:
        raise NotFound(f"No extension {number} in this account.", code="extension_not_found")
    return extension


def assigned_to(scope: Scope, extension: Extension) -> Profile | None:
    """The profile assigned to the extension, or None when the PA holds it."""
    if extension.profile_id is None:
        return None
    return scope.db.get(Profile, extension.profile_id)


def holder_of(scope: Scope, extension: Extension) -> Profile:
    """The assigned profile, or the PA for a held extension (R-E1)."""
    return assigned_to(scope, extension) or primary_admin(scope)


def held(scope: Scope, extension: Extension) -> Held:
    """The extension with its assigned profile and holder."""
    assigned = assigned_to(scope, extension)
    return Held(extension, assigned, assigned or primary_admin(scope))


def read_extension(scope: Scope, number: str) -> Held:
    """One extension of this account with who holds it, or NotFound."""
    return held(scope, get_extension(scope, number))


@dataclass(frozen=True)
class ExtensionQuery:
    q: str | None = None
    profile_id: str | None = None
    limit: int = 50
    offset: int = 0


def _search(q: str) -> ColumnElement[bool] | None:
    """Number or caller ID name of the extension, or the assigned profile's search keys."""
    own = search.extension_matches(q)
    if own is None:
        return None
    return or_(own, search.contains(Profile.search_text, search.folded(q)))


def list_extensions(scope: Scope, query: ExtensionQuery) -> tuple[list[Held], Total]:
    """A page of extensions with their holders, ordered by number, and the total."""
    stmt = (
        select(Extension, Profile)
        .outerjoin(Profile, Profile.id == Extension.profile_id)
        .where(Extension.account_id == scope.account_id)
    )
    matches = _search(query.q or "")
    if matches is not None:
        stmt = stmt.where(matches)
    if query.profile_id:
        stmt = stmt.where(Profile.public_id == query.profile_id)
    total = paging.bounded_total(scope.db, stmt, offset=query.offset, limit=query.limit)
    rows = scope.db.execute(
        stmt.order_by(func.length(Extension.number), Extension.number)
        .limit(query.limit)
        .offset(query.offset)
    ).all()
    pa = primary_admin(scope)
    return [Held(row[0], row[1], row[1] or pa) for row in rows], total
