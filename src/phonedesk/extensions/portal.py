"""What an end user may do with their own extensions in Virtual Office (R-E4, R-M1).

A portal user sees the extensions assigned to them (and, as primary
administrator, those it holds) and may change only the notification addresses,
of that extension only; everything else is the administrator's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from phonedesk.errors import NotFound, ValidationFailed
from phonedesk.extensions import population, service
from phonedesk.models import Extension, Profile
from phonedesk.scope import Scope

PORTAL_FIELDS = ("voicemail_email", "fax_email")


def list_own(scope: Scope, profile: Profile) -> list[Extension]:
    """The extensions the profile holds, by number."""
    return list(scope.db.scalars(
        select(Extension)
        .where(Extension.account_id == scope.account_id, population.held_by(scope.account, profile))
        .order_by(func.length(Extension.number), Extension.number)
    ))


def get_own(scope: Scope, profile: Profile, number: str) -> Extension:
    """One of the profile's extensions, or NotFound (another's is not revealed)."""
    extension = scope.db.scalar(
        select(Extension).where(Extension.account_id == scope.account_id,
                                Extension.number == number,
                                population.held_by(scope.account, profile)))
    if extension is None:
        raise NotFound(f"Extension {number} is not one of yours.", code="extension_not_found")
    return extension


def update_own(scope: Scope, profile: Profile, number: str,
               changes: Mapping[str, Any]) -> Extension:
    """Change this extension's notification addresses only (R-E4)."""
    get_own(scope, profile, number)
    other = sorted(set(changes) - set(PORTAL_FIELDS))
    if other:
        raise ValidationFailed(f"Only the notification addresses can be changed here, not "
                               f"“{other[0]}”.", field=other[0])
    return service.update_extension(scope, number, dict(changes))
