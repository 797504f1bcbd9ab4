"""One stored profile: finding it in the account, and the bookkeeping every change shares.

The lifecycle (:mod:`phonedesk.profiles.service`), roles
(:mod:`phonedesk.profiles.roles`) and provisioning
(:mod:`phonedesk.profiles.provisioning`) all read a profile the same way (live,
of this account: R-AC1, R-D4) and record a change the same way (version bump,
one audit event, R-AU1), so those steps live here once.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from phonedesk.audit import service as audit
from phonedesk.auth import sessions
from phonedesk.errors import NotFound, PreconditionFailed
from phonedesk.models import Extension, Profile
from phonedesk.models.base import utcnow
from phonedesk.profiles import rules
from phonedesk.scope import Scope


def get_profile(scope: Scope, public_id: str, *, for_update: bool = False) -> Profile:
    """A live profile of this account, or NotFound (archived ones are gone, R-D4).

    ``for_update`` locks its row until commit (PostgreSQL; SQLite has one writer at a
    time anyway): an assignment and a disable of the same profile then happen one
    after the other, so no extension ends up on a disabled profile (R-D1, R-E2).
    """
    stmt = select(Profile).where(
        Profile.public_id == public_id,
        Profile.account_id == scope.account_id,
        Profile.is_live,
    )
    if for_update:
        # Read the row as it is once locked, not as this session last saw it.
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    profile = scope.db.scalar(stmt)
    if profile is None:
        raise NotFound("No such user profile.", code="profile_not_found")
    return profile


def get_by_username(scope: Scope, username: str) -> Profile | None:
    """The account's profile signing in as ``username`` (compared as R-P2 says)."""
    return scope.db.scalar(
        select(Profile).where(
            Profile.username_key == rules.username_key(username),
            Profile.account_id == scope.account_id,
        )
    )


def extension_numbers(scope: Scope, profile_ids: list[int]) -> dict[int, list[str]]:
    """The extension numbers assigned to each profile, in one query."""
    result: dict[int, list[str]] = {pid: [] for pid in profile_ids}
    if not profile_ids:
        return result
    rows = scope.db.execute(
        select(Extension.profile_id, Extension.number)
        .where(Extension.account_id == scope.account_id, Extension.profile_id.in_(profile_ids))
        .order_by(Extension.number)
    )
    for pid, number in rows:
        if pid is not None:
            result[pid].append(number)
    return result


def check_version(profile: Profile, expected_version: int | None) -> None:
    """Refuse a change made from a stale copy (If-Match, a form's hidden version)."""
    if expected_version is not None and expected_version != profile.version:
        raise PreconditionFailed(
            "This profile was changed by someone else since you loaded it. Reload and try again.",
            code="stale_version",
        )


def touch(profile: Profile) -> None:
    """Every change bumps the version (the ETag) and the modification time."""
    profile.version += 1
    profile.updated_at = utcnow()


def record(scope: Scope, action: str, profile: Profile, **changes: Any) -> None:
    """One audit event about ``profile`` (R-AU1); ``changes`` are before/after/detail."""
    audit.record(
        scope,
        action,
        target_type="profile",
        target_id=profile.public_id,
        target_label=profile.display_name,
        **changes,
    )


def revoke_access(scope: Scope, profile: Profile, *, kind: str | None = None) -> None:
    """End the profile's sessions (of one kind, or all) at once (R-D1, R-V2)."""
    sessions.end_for_profile(scope.db, profile.id, kind=kind)
