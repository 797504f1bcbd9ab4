"""Admin rights and the primary administrator (R-AC2, R-AD1, R-D1).

The primary role is derived (``Account.primary_admin_id``), never stored on the
profile, so there is exactly one PA per account. Rights count only while the
profile is active: disabling suspends them without forgetting them.
"""

from __future__ import annotations

from sqlalchemy import select

from phonedesk.auth import setup_links
from phonedesk.errors import Conflict, PermissionDenied, ValidationFailed
from phonedesk.extensions import population
from phonedesk.models import Account, Profile
from phonedesk.models.profile import ROLE_ADMIN, ROLE_PRIMARY, ROLE_READ_ONLY
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.outbox import service as outbox
from phonedesk.profiles.records import get_profile, record, revoke_access, touch
from phonedesk.scope import Scope

ROLE_LABELS = {
    ROLE_PRIMARY: "primary administrator",
    ROLE_ADMIN: "administrator",
    ROLE_READ_ONLY: "read-only administrator",
}


def role_of(account: Account, profile: Profile) -> str | None:
    """The profile's role as users see it; the primary role is derived (R-AC2)."""
    if account.primary_admin_id == profile.id:
        return ROLE_PRIMARY
    return profile.admin_role


def is_admin(account: Account, profile: Profile) -> bool:
    """Admin rights count only while the profile is active (R-D1 suspends them)."""
    return profile.is_active and role_of(account, profile) is not None


def admin_can_write(account: Account, profile: Profile) -> bool:
    """Administrators change things; read-only administrators only look (R-AD1)."""
    return is_admin(account, profile) and role_of(account, profile) != ROLE_READ_ONLY


def primary_admin(scope: Scope) -> Profile:
    """The account's PA: the holder of every extension without a profile (R-E1)."""
    pa = scope.db.get(Profile, scope.account.primary_admin_id)
    if pa is None:  # pragma: no cover - an account is created with its PA
        raise Conflict("This account has no primary administrator.")
    return pa


def list_admins(scope: Scope) -> list[Profile]:
    """Active profiles with admin rights, the primary administrator among them."""
    return list(
        scope.db.scalars(
            select(Profile)
            .where(
                Profile.account_id == scope.account_id,
                Profile.is_active,
                Profile.admin_role.is_not(None),
            )
            .order_by(Profile.last_name, Profile.first_name)
        )
    )


def _check_role_change(scope: Scope, profile: Profile, role: str | None) -> None:
    if scope.account.primary_admin_id == profile.id:
        raise Conflict(
            "The primary administrator's role cannot be changed. Transfer the primary "
            "administrator role to another administrator first.",
            code="primary_admin_role_fixed",
            field="role",
        )
    if role is not None and not profile.is_active:
        raise Conflict(
            "Only active profiles can be given admin rights.", code="profile_disabled"
        )


def set_role(scope: Scope, public_id: str, role: str | None) -> Profile:
    """Grant, change or remove admin rights (R-AD1)."""
    if role not in (None, ROLE_ADMIN, ROLE_READ_ONLY):
        raise ValidationFailed(
            "Role must be administrator, read_only_administrator or none. To make someone "
            "primary administrator, use the transfer.",
            field="role",
        )
    profile = get_profile(scope, public_id)
    _check_role_change(scope, profile, role)
    old = profile.admin_role
    if old == role:
        return profile
    profile.admin_role = role
    touch(profile)
    scope.db.flush()
    if role is None:
        revoke_access(scope, profile, kind=KIND_ADMIN)
    if role is not None and old is None and profile.password_hash is None:
        context = setup_links.email_context(scope, profile)
        context["role_label"] = ROLE_LABELS[role]
        outbox.enqueue(scope, kind="admin_granted", to=profile.email, template="admin_granted",
                       context=context)
    record(scope, "profile.role_changed", profile, before={"role": old}, after={"role": role})
    return profile


# Who may act as the account's owner without being a person: the operator at the
# server's command line and PhoneDesk itself. An API token is not among them: any
# administrator can create one, so letting it transfer the role would let an
# administrator promote itself through a token.
OPERATOR_ACTORS = frozenset({"cli", "system"})


def require_primary_admin(scope: Scope, message: str) -> None:
    """Refuse unless the actor is the PA in person, or the operator (R-AC2 as amended)."""
    if scope.actor.kind in OPERATOR_ACTORS:
        return
    if scope.actor.kind == "profile":
        me = scope.db.scalar(select(Profile.id).where(
            Profile.public_id == scope.actor.id, Profile.account_id == scope.account_id))
        if me is not None and me == scope.account.primary_admin_id:
            return
    raise PermissionDenied(message, code="primary_admin_only")


def transfer_primary_admin(scope: Scope, to_public_id: str) -> Profile:
    """Make another active administrator the PA (R-AC2); held extensions follow.

    Only the PA may hand the role on: an administrator cannot promote itself.
    """
    require_primary_admin(
        scope, "Only the primary administrator can transfer the primary administrator role.")
    target = get_profile(scope, to_public_id)
    current = primary_admin(scope)
    if target.id == current.id:
        return target
    if not target.is_active or target.admin_role != ROLE_ADMIN:
        raise Conflict(
            "The primary administrator role can only go to an active profile with "
            "administrator rights. Give the profile administrator rights first.",
            code="not_an_administrator",
        )
    scope.account.primary_admin_id = target.id
    current.admin_role = ROLE_ADMIN
    touch(target)
    touch(current)
    scope.db.flush()
    population.repopulate_held(scope.db, scope.account, target)
    record(
        scope,
        "account.primary_admin_transferred",
        target,
        before={"primary_admin": current.public_id},
        after={"primary_admin": target.public_id},
    )
    return target
