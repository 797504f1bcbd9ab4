"""User profile lifecycle: create, read, update, disable, enable, delete.

Rules R-P1–R-P5, R-D1, R-D3 and R-D4 live here and nowhere else; roles and the
primary administrator are in :mod:`phonedesk.profiles.roles`, external ids and
deprovisioning in :mod:`phonedesk.profiles.provisioning`. Every function
flushes but never commits: the interface that called it owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from phonedesk.audit import service as audit
from phonedesk.auth import setup_links
from phonedesk.errors import Conflict, ValidationFailed
from phonedesk.extensions import population
from phonedesk.models import Account, Profile
from phonedesk.models.base import new_public_id, utcnow
from phonedesk.models.profile import ACTIVE, DISABLED
from phonedesk.outbox import service as outbox
from phonedesk.profiles import fields, rules
from phonedesk.profiles.listing import SORTABLE, ProfileQuery, list_profiles, next_cursor

# Callers reach these through this module as they always have; they live where
# they belong (one stored profile in records, admin rights and the PA in roles).
from phonedesk.profiles.records import (
    check_version,
    extension_numbers,
    get_by_username,
    get_profile,
    record,
    revoke_access,
    touch,
)
from phonedesk.profiles.roles import (
    ROLE_LABELS,
    is_admin,
    list_admins,
    primary_admin,
    role_of,
    set_role,
    transfer_primary_admin,
)
from phonedesk.profiles.validation import clean_fields, clean_profile
from phonedesk.scope import Scope
from phonedesk.switch import softphones

__all__ = [
    "ROLE_LABELS",
    "SORTABLE",
    "ProfileQuery",
    "clean_fields",
    "create_profile",
    "delete_profile",
    "disable_profile",
    "enable_profile",
    "extension_numbers",
    "get_by_username",
    "get_profile",
    "list_admins",
    "list_profiles",
    "next_cursor",
    "primary_admin",
    "resend_setup_link",
    "revoke_access",
    "role_of",
    "set_role",
    "snapshot",
    "transfer_primary_admin",
    "update_profile",
    "username_is_email",
]

EDITABLE_FIELDS = fields.KEYS


def snapshot(account: Account, profile: Profile) -> dict[str, Any]:
    """The audited view of a profile: every field, its status and role."""
    data: dict[str, Any] = {key: getattr(profile, key) for key in fields.KEYS}
    data["status"] = profile.status
    data["role"] = role_of(account, profile)
    return data




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
    cleaned = clean_profile(
        scope,
        {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "username": username,
            "custom_field_1": custom_field_1,
            "custom_field_2": custom_field_2,
            "custom_field_3": custom_field_3,
        },
    )
    key = rules.username_key(cleaned["username"])
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
    record(
        scope,
        "profile.created",
        profile,
        after=snapshot(scope.account, profile),
    )
    return profile


def username_is_email(profile: Profile) -> bool:
    """Whether the username is the email address: only then may an email edit offer to
    update it as well (R-P2)."""
    return rules.username_is_email(profile.username, profile.email)


def _username_following(profile: Profile, changes: Mapping[str, Any]) -> Mapping[str, Any]:
    """``changes`` with the username set to the new email, as the caller asked (R-P2).

    An invalid email is left for :func:`clean_profile` to report with the rest.
    """
    try:
        email = rules.clean_email(changes["email"])
    except ValidationFailed:
        return changes
    if email == profile.email:
        return changes
    return {**changes, "username": rules.username_following_email(
        profile.username, profile.email, email, changes.get("username"))}


def update_profile(
    scope: Scope,
    public_id: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
    username_follows_email: bool = False,
) -> Profile:
    """Change some fields; names and email flow to unedited extension fields (R-E4).

    A username never changes with the email by itself (R-P2): only when given,
    or when ``username_follows_email`` asks for it and the username was the old
    email address, which changes the user's sign-in name.
    """
    profile = get_profile(scope, public_id)
    check_version(profile, expected_version)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"Unknown field “{sorted(unknown)[0]}”.", field=sorted(unknown)[0]
        )
    if username_follows_email and "email" in changes:
        changes = _username_following(profile, changes)
    cleaned = clean_profile(scope, changes, profile)
    before = snapshot(scope.account, profile)
    changed = {k for k, v in cleaned.items() if getattr(profile, k) != v}
    if not changed:
        return profile
    if "username" in changed:
        profile.username_key = rules.username_key(cleaned["username"])
    for key in changed:
        setattr(profile, key, cleaned[key])
    touch(profile)
    scope.db.flush()
    population.flow_profile_changes(scope.db, scope.account, profile, changed)
    old, new = audit.diff(before, snapshot(scope.account, profile))
    record(
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
    profile = get_profile(scope, public_id, for_update=True)
    check_version(profile, expected_version)
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
    touch(profile)
    setup_links.void_links(scope, profile)
    revoke_access(scope, profile)
    population.release_to_primary_admin(
        scope.db, scope.account, primary_admin(scope), profile_id=profile.id
    )
    scope.db.flush()
    softphones.revoke_lost(scope, "profile disabled")  # R-SW3: desk phones stay
    record(
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
    check_version(profile, expected_version)
    if profile.is_active:
        return profile
    profile.status = ACTIVE
    touch(profile)
    scope.db.flush()
    record(
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
    check_version(profile, expected_version)
    numbers = extension_numbers(scope, [profile.id])[profile.id]
    admin = is_admin(scope.account, profile)
    if numbers or admin:
        holds = []
        if numbers:
            holds.append(f"assigned to extension{'s' if len(numbers) > 1 else ''} "
                         + ", ".join(numbers))
        if admin:
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
    touch(profile)
    setup_links.void_links(scope, profile)
    revoke_access(scope, profile)
    scope.db.flush()
    record(
        scope,
        "profile.deleted",
        profile,
        before=before,
    )
    return profile


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
    record(scope, "profile.setup_link_sent", profile)
    return profile
