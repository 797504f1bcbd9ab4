"""User profile lifecycle: create, read, update, disable, enable, delete, roles.

Rules R-P1–R-P5, R-D1, R-D3, R-D4, R-AC2 and R-AD1 live here and nowhere else.
Every function flushes but never commits: the interface that called it owns the
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select

from phonedesk.audit import service as audit
from phonedesk.auth import sessions, setup_links
from phonedesk.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from phonedesk.extensions import population
from phonedesk.models import Account, Extension, Profile
from phonedesk.models.base import new_public_id, utcnow
from phonedesk.models.profile import ACTIVE, DISABLED, ROLE_ADMIN, ROLE_PRIMARY, ROLE_READ_ONLY
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.outbox import service as outbox
from phonedesk.profiles import rules
from phonedesk.scope import Scope

EDITABLE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "username",
    "custom_field_1",
    "custom_field_2",
    "custom_field_3",
)
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


def snapshot(account: Account, profile: Profile) -> dict[str, Any]:
    """The audited view of a profile."""
    return {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "email": profile.email,
        "username": profile.username,
        "custom_field_1": profile.custom_field_1,
        "custom_field_2": profile.custom_field_2,
        "custom_field_3": profile.custom_field_3,
        "status": profile.status,
        "role": role_of(account, profile),
    }


def revoke_access(scope: Scope, profile: Profile, *, kind: str | None = None) -> None:
    """End the profile's sessions (of one kind, or all) at once (R-D1, R-V2)."""
    sessions.end_for_profile(scope.db, profile.id, kind=kind)


def _audit(scope: Scope, action: str, profile: Profile, **changes: Any) -> None:
    """One audit event about ``profile`` (R-AU1); ``changes`` are before/after/detail."""
    audit.record(
        scope,
        action,
        target_type="profile",
        target_id=profile.public_id,
        target_label=profile.display_name,
        **changes,
    )


# --- reading -----------------------------------------------------------------


def get_profile(scope: Scope, public_id: str) -> Profile:
    """A live profile of this account, or NotFound (archived ones are gone, R-D4)."""
    profile = scope.db.scalar(
        select(Profile).where(
            Profile.public_id == public_id,
            Profile.account_id == scope.account_id,
            Profile.is_live,
        )
    )
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


def primary_admin(scope: Scope) -> Profile:
    pa = scope.db.get(Profile, scope.account.primary_admin_id)
    if pa is None:  # pragma: no cover - an account is created with its PA
        raise Conflict("This account has no primary administrator.")
    return pa


SORTABLE = {
    "last_name": (Profile.last_name, Profile.first_name),
    "first_name": (Profile.first_name, Profile.last_name),
    "email": (Profile.email,),
    "username": (Profile.username_key,),
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


def _search(q: str) -> ColumnElement[bool]:
    # Search text is literal: % and _ are not wildcards.
    lowered = q.strip().lower()
    return or_(
        func.lower(Profile.first_name).contains(lowered, autoescape=True),
        func.lower(Profile.last_name).contains(lowered, autoescape=True),
        func.lower(Profile.email).contains(lowered, autoescape=True),
        Profile.username_key.contains(rules.username_key(q.strip()), autoescape=True),
        Profile.public_id == q.strip(),
    )


def list_profiles(scope: Scope, query: ProfileQuery) -> tuple[list[Profile], int]:
    """A page of live profiles and the total that match."""
    if query.sort not in SORTABLE:
        raise ValidationFailed(
            f"Cannot sort by “{query.sort}”; use one of {', '.join(SORTABLE)}.", field="sort"
        )
    stmt = select(Profile).where(
        Profile.account_id == scope.account_id, Profile.is_live
    )
    if query.q and query.q.strip():
        stmt = stmt.where(_search(query.q))
    if query.status:
        stmt = stmt.where(Profile.status == query.status)
    total = scope.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    columns = SORTABLE[query.sort]
    order: list[Any] = [c.desc() if query.descending else c.asc() for c in columns]
    order.append(Profile.id.desc() if query.descending else Profile.id.asc())
    rows = scope.db.scalars(stmt.order_by(*order).limit(query.limit).offset(query.offset))
    return list(rows), total


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


# --- validation --------------------------------------------------------------


def clean_fields(account: Account, values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate every given field; the username default needs the email (R-P2)."""
    cleaned: dict[str, Any] = {}
    for field in ("first_name", "last_name"):
        if field in values:
            cleaned[field] = rules.clean_name(values[field], field)
    if "email" in values:
        cleaned["email"] = rules.clean_email(values["email"])
    labels = account.custom_labels()
    for n in (1, 2, 3):
        key = f"custom_field_{n}"
        if key in values:
            cleaned[key] = rules.clean_custom_field(values[key], n, labels.get(n))
    return cleaned


def _ensure_username_free(scope: Scope, username: str, exclude_id: int | None) -> str:
    key = rules.username_key(username)
    stmt = select(Profile.id).where(Profile.username_key == key)
    if exclude_id is not None:
        stmt = stmt.where(Profile.id != exclude_id)
    if scope.db.scalar(stmt) is not None:
        raise Conflict(
            rules.username_taken_message(username),
            code="username_taken",
            field="username",
        )
    return key


def _check_version(profile: Profile, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != profile.version:
        raise PreconditionFailed(
            "This profile was changed by someone else since you loaded it. Reload and try again.",
            code="stale_version",
        )


def _touch(profile: Profile) -> None:
    profile.version += 1
    profile.updated_at = utcnow()


# --- changing ----------------------------------------------------------------


def create_profile(
    scope: Scope,
    *,
    first_name: str,
    last_name: str,
    email: str,
    username: str | None = None,
    custom_field_1: str | None = None,
    custom_field_2: str | None = None,
    custom_field_3: str | None = None,
    external_id: str | None = None,
) -> Profile:
    """Create an active profile. Sends nothing and sets no password (R-P5)."""
    cleaned = clean_fields(
        scope.account,
        {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "custom_field_1": custom_field_1,
            "custom_field_2": custom_field_2,
            "custom_field_3": custom_field_3,
        },
    )
    cleaned["username"] = rules.clean_username(username, cleaned["email"])
    key = _ensure_username_free(scope, cleaned["username"], None)
    profile = Profile(
        public_id=new_public_id("p"),
        account_id=scope.account_id,
        username_key=key,
        status=ACTIVE,
        external_id=external_id,
        version=1,
        **cleaned,
    )
    scope.db.add(profile)
    scope.db.flush()
    _audit(
        scope,
        "profile.created",
        profile,
        after=snapshot(scope.account, profile),
    )
    return profile


def update_profile(
    scope: Scope,
    public_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Profile:
    """Change some fields; names and email flow to unedited extension fields (R-E4)."""
    profile = get_profile(scope, public_id)
    _check_version(profile, expected_version)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"Unknown field “{sorted(unknown)[0]}”.", field=sorted(unknown)[0]
        )
    cleaned = clean_fields(scope.account, changes)
    if "username" in changes:
        email = cleaned.get("email", profile.email)
        cleaned["username"] = rules.clean_username(changes["username"], email)
    before = snapshot(scope.account, profile)
    changed = {k for k, v in cleaned.items() if getattr(profile, k) != v}
    if not changed:
        return profile
    if "username" in changed:
        profile.username_key = _ensure_username_free(scope, cleaned["username"], profile.id)
    for key in changed:
        setattr(profile, key, cleaned[key])
    _touch(profile)
    scope.db.flush()
    population.flow_profile_changes(scope.db, scope.account, profile, changed)
    old, new = audit.diff(before, snapshot(scope.account, profile))
    _audit(
        scope,
        "profile.updated",
        profile,
        before=old,
        after=new,
    )
    return profile


def disable_profile(
    scope: Scope, public_id: str, *, expected_version: int | None = None
) -> Profile:
    """Offboard in one step (R-D1): no sign-in, no links, extensions to the PA."""
    profile = get_profile(scope, public_id)
    _check_version(profile, expected_version)
    if scope.account.primary_admin_id == profile.id:
        raise Conflict(
            "The primary administrator cannot be disabled. Transfer the primary administrator "
            "role to another administrator first.",
            code="primary_admin_cannot_be_disabled",
        )
    if not profile.is_active:
        return profile
    before = snapshot(scope.account, profile)
    numbers = extension_numbers(scope, [profile.id])[profile.id]
    profile.status = DISABLED
    _touch(profile)
    setup_links.void_links(scope, profile)
    revoke_access(scope, profile)
    population.release_to_primary_admin(
        scope.db, scope.account, primary_admin(scope), profile_id=profile.id
    )
    scope.db.flush()
    _audit(
        scope,
        "profile.disabled",
        profile,
        before={"status": before["status"]},
        after={"status": DISABLED},
        detail={"extensions_moved_to_primary_admin": numbers},
    )
    return profile


def enable_profile(
    scope: Scope, public_id: str, *, expected_version: int | None = None
) -> Profile:
    """Restore sign-in (R-D3); former extensions stay with the PA."""
    profile = get_profile(scope, public_id)
    _check_version(profile, expected_version)
    if profile.is_active:
        return profile
    profile.status = ACTIVE
    _touch(profile)
    scope.db.flush()
    _audit(
        scope,
        "profile.enabled",
        profile,
        before={"status": DISABLED},
        after={"status": ACTIVE},
    )
    return profile


def delete_profile(
    scope: Scope, public_id: str, *, expected_version: int | None = None
) -> Profile:
    """Archive a profile that holds nothing (R-D4)."""
    profile = get_profile(scope, public_id)
    _check_version(profile, expected_version)
    numbers = extension_numbers(scope, [profile.id])[profile.id]
    is_admin = profile.is_active and role_of(scope.account, profile) is not None
    if numbers or is_admin:
        holds = []
        if numbers:
            holds.append(f"assigned to extension{'s' if len(numbers) > 1 else ''} "
                         + ", ".join(numbers))
        if is_admin:
            holds.append("an administrator")
        raise Conflict(
            f"{profile.display_name} is still {' and '.join(holds)}. Disable the profile "
            "or reassign first, then delete it.",
            code="profile_in_use",
        )
    before = snapshot(scope.account, profile)
    profile.archived_at = utcnow()
    profile.username_key = None
    profile.admin_role = None
    _touch(profile)
    setup_links.void_links(scope, profile)
    revoke_access(scope, profile)
    scope.db.flush()
    _audit(
        scope,
        "profile.deleted",
        profile,
        before=before,
    )
    return profile


def set_role(scope: Scope, public_id: str, role: str | None) -> Profile:
    """Grant, change or remove admin rights (R-AD1)."""
    if role not in (None, ROLE_ADMIN, ROLE_READ_ONLY):
        raise ValidationFailed(
            "Role must be administrator, read_only_administrator or none. To make someone "
            "primary administrator, use the transfer.",
            field="role",
        )
    profile = get_profile(scope, public_id)
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
    old = profile.admin_role
    if old == role:
        return profile
    profile.admin_role = role
    _touch(profile)
    scope.db.flush()
    if role is None:
        revoke_access(scope, profile, kind=KIND_ADMIN)
    if role is not None and old is None and profile.password_hash is None:
        context = setup_links.email_context(scope, profile)
        context["role_label"] = ROLE_LABELS[role]
        outbox.enqueue(scope, kind="admin_granted", to=profile.email, template="admin_granted",
                       context=context)
    _audit(
        scope,
        "profile.role_changed",
        profile,
        before={"role": old},
        after={"role": role},
    )
    return profile


def transfer_primary_admin(scope: Scope, to_public_id: str) -> Profile:
    """Make another active administrator the PA (R-AC2); held extensions follow."""
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
    _touch(target)
    _touch(current)
    scope.db.flush()
    population.repopulate_held(scope.db, scope.account, target)
    _audit(
        scope,
        "account.primary_admin_transferred",
        target,
        before={"primary_admin": current.public_id},
        after={"primary_admin": target.public_id},
    )
    return target


def resend_setup_link(scope: Scope, public_id: str) -> Profile:
    """Send a fresh setup link to a profile that has no password yet (voids older ones)."""
    profile = get_profile(scope, public_id)
    if not profile.is_active:
        raise Conflict("Disabled profiles cannot get a setup link.", code="profile_disabled")
    if profile.password_hash is not None:
        raise Conflict(
            "This profile already has a password; the user can sign in with it.",
            code="password_already_set",
        )
    outbox.enqueue(scope, kind="setup_link", to=profile.email, template="setup_link",
                   context=setup_links.email_context(scope, profile))
    _audit(scope, "profile.setup_link_sent", profile)
    return profile


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


def deprovision_profile(
    scope: Scope, public_id: str, *, expected_version: int | None = None
) -> Profile:
    """Remove a profile for an identity provider (R-D4, SCIM delete).

    An active profile is disabled first, exactly as an administrator would
    (R-D1: extensions to the PA, sessions and links voided), so that nothing it
    held stands in the way of the archive that follows.
    """
    profile = get_profile(scope, public_id)
    _check_version(profile, expected_version)
    if profile.is_active:
        disable_profile(scope, public_id)
    return delete_profile(scope, public_id)


EXTERNAL_ID_MAX = 255


def clean_external_id(value: str | None) -> str | None:
    """An identity provider's id for a profile: kept exactly as sent, bounded."""
    if value is None or value == "":
        return None
    if len(value) > EXTERNAL_ID_MAX:
        raise ValidationFailed(
            f"The external id can be at most {EXTERNAL_ID_MAX} characters.",
            code="too_long",
            field="external_id",
        )
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValidationFailed(
            "The external id contains a control character.",
            code="invalid_characters",
            field="external_id",
        )
    return value


def set_external_id(scope: Scope, public_id: str, external_id: str | None) -> Profile:
    """Record (or clear) the identifier an identity provider keeps for the profile."""
    external_id = clean_external_id(external_id)
    profile = get_profile(scope, public_id)
    if profile.external_id == external_id:
        return profile
    before = profile.external_id
    profile.external_id = external_id
    _touch(profile)
    scope.db.flush()
    _audit(
        scope,
        "profile.external_id_changed",
        profile,
        before={"external_id": before},
        after={"external_id": external_id},
    )
    return profile
