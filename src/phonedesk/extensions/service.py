"""Extensions and the profile↔extension association (R-E1–R-E5, R-D2, R-V1).

Assignment is a first-class operation with its own rules and its own email,
not a side effect of editing a field. :func:`save` is the whole Edit Extension
change as one call, so the REST API and the CLI do exactly what the page does.
Reading extensions with their holders is :mod:`phonedesk.extensions.queries`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from phonedesk.audit import service as audit
from phonedesk.auth import setup_links
from phonedesk.errors import (
    Conflict,
    DomainError,
    PreconditionFailed,
    ValidationFailed,
    raise_all,
)
from phonedesk.extensions import population

# Reading lives in queries; callers reach it through this module as they always have.
from phonedesk.extensions.queries import (
    ExtensionQuery,
    Held,
    assigned_to,
    get_extension,
    held,
    holder_of,
    list_extensions,
    read_extension,
)
from phonedesk.models import Extension, Profile
from phonedesk.models.base import utcnow
from phonedesk.models.extension import POPULATED_FIELDS
from phonedesk.models.web_session import KIND_PORTAL
from phonedesk.outbox import service as outbox
from phonedesk.profiles import rules
from phonedesk.profiles import service as profiles
from phonedesk.scope import Scope
from phonedesk.switch import softphones

__all__ = [
    "FIELD_LABELS",
    "ExtensionQuery",
    "Held",
    "Saved",
    "assign_profile",
    "assigned_to",
    "clean_number",
    "clean_populated",
    "create_extension",
    "get_extension",
    "held",
    "holder_of",
    "list_extensions",
    "read_extension",
    "remove_profile",
    "save",
    "snapshot",
    "update_extension",
]

_NUMBER = re.compile(r"[0-9]{2,10}")
# What each populated field is called on the Edit Extension screen and in errors.
FIELD_LABELS = {
    "caller_id_first_name": "Caller ID first name",
    "caller_id_last_name": "Caller ID last name",
    "voicemail_email": "Voicemail-to-email address",
    "fax_email": "Fax notification address",
}


def clean_number(value: str | None) -> str:
    text = (value or "").strip()
    if not _NUMBER.fullmatch(text):
        raise ValidationFailed(
            "An extension number is 2 to 10 digits.", code="invalid_number", field="number"
        )
    return text


def snapshot(scope: Scope, extension: Extension) -> dict[str, Any]:
    """The audited view of an extension (the assigned profile, not the holder)."""
    assigned = assigned_to(scope, extension)
    data: dict[str, Any] = {
        "profile": assigned.public_id if assigned else None,
        "virtual_office_enabled": extension.virtual_office_enabled,
    }
    for field in POPULATED_FIELDS:
        data[field] = getattr(extension, field)
        data[f"{field}_edited"] = getattr(extension, f"{field}_edited")
    return data


def _audit(scope: Scope, action: str, extension: Extension, before: dict[str, Any] | None,
           detail: dict[str, Any] | None = None) -> None:
    after = snapshot(scope, extension)
    if before is not None:
        before, after = audit.diff(before, after)
    # The log names the person the extension is for (R-AU1), as they were named then.
    assigned = assigned_to(scope, extension)
    label = f"Extension {extension.number}"
    if assigned is not None:
        detail = {**(detail or {}), "profile_name": assigned.display_name}
        label += f" ({assigned.display_name})"
    audit.record(
        scope,
        action,
        target_type="extension",
        target_id=extension.number,
        target_label=label,
        before=before,
        after=after,
        detail=detail,
    )


def create_extension(
    scope: Scope,
    *,
    number: str,
    virtual_office_enabled: bool = True,
    profile_id: str | None = None,
) -> Extension:
    """A new extension, held by the PA until a profile is assigned (R-E1)."""
    number = clean_number(number)
    exists = scope.db.scalar(
        select(Extension.id).where(
            Extension.account_id == scope.account_id, Extension.number == number
        )
    )
    if exists is not None:
        raise Conflict(
            f"Extension {number} already exists.", code="extension_exists", field="number"
        )
    extension = Extension(
        account_id=scope.account_id,
        number=number,
        virtual_office_enabled=virtual_office_enabled,
        version=0,
    )
    population.populate(extension, profiles.primary_admin(scope))
    scope.db.add(extension)
    scope.db.flush()
    _audit(scope, "extension.created", extension, None)
    if profile_id:
        assign_profile(scope, number, profile_id)
    return extension


def _check_version(extension: Extension, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != extension.version:
        raise PreconditionFailed(
            "This extension was changed by someone else since you loaded it. Reload and try "
            "again.",
            code="stale_version",
        )


def _apply_edits(extension: Extension, holder: Profile, changes: Mapping[str, Any]) -> None:
    """R-E4 on this extension alone: a value is an edit, empty follows the holder again."""
    for field in POPULATED_FIELDS:
        if field not in changes:
            continue
        value = changes[field]
        source = population.SOURCES[field]
        if value is None or (isinstance(value, str) and not value.strip()):
            setattr(extension, field, getattr(holder, source))
            setattr(extension, f"{field}_edited", False)
            continue
        cleaned = clean_populated(field, value)
        setattr(extension, field, cleaned)
        setattr(extension, f"{field}_edited", cleaned != getattr(holder, source))
    if "virtual_office_enabled" in changes:
        enabled = changes["virtual_office_enabled"]
        if not isinstance(enabled, bool):
            raise ValidationFailed(
                "Enable Virtual Office must be true or false.", field="virtual_office_enabled"
            )
        extension.virtual_office_enabled = enabled


def update_extension(
    scope: Scope,
    number: str,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None = None,
) -> Extension:
    """Edit this extension only (R-E4).

    A value for a populated field sets it here and stops it following the
    profile; ``None`` (or an empty string) makes it follow the holder again.
    """
    extension = get_extension(scope, number)
    _check_version(extension, expected_version)
    unknown = set(changes) - set(POPULATED_FIELDS) - {"virtual_office_enabled"}
    if unknown:
        field = sorted(unknown)[0]
        raise ValidationFailed(f"Unknown field “{field}”.", field=field)
    _check_each(changes)
    before = snapshot(scope, extension)
    holder = holder_of(scope, extension)
    _apply_edits(extension, holder, changes)
    if snapshot(scope, extension) == before:
        return extension
    extension.version += 1
    extension.updated_at = utcnow()
    scope.db.flush()
    lost_portal = before["virtual_office_enabled"] and not extension.virtual_office_enabled
    if lost_portal and extension.profile_id is not None:
        # R-V2: unchecking Enable Virtual Office takes portal access away at once,
        # and the extension's softphone with it (R-SW3).
        _revoke_if_no_portal_left(scope, holder)
        softphones.revoke_lost(scope, "Virtual Office unchecked")
    _audit(scope, "extension.updated", extension, before)
    return extension


def _check_each(changes: Mapping[str, Any]) -> None:
    """Every bad caller ID name and address at once, so a form flags them all (R-P1)."""
    found: list[DomainError] = []
    for field, value in changes.items():
        if field in POPULATED_FIELDS and value not in (None, ""):
            try:
                clean_populated(field, value)
            except ValidationFailed as exc:
                found.append(exc)
    raise_all(found)


def clean_populated(field: str, value: Any) -> str:
    """An edited caller ID (a name, R-P1) or notification address (an email, R-P1)."""
    if field.endswith("_email"):
        return rules.clean_email(value, field, label=FIELD_LABELS[field])
    return rules.clean_name(str(value), field, label=FIELD_LABELS[field])


def assign_profile(scope: Scope, number: str, profile_public_id: str) -> Extension:
    """Assign a profile (R-E2, R-E3) and email it about the extension (R-V1)."""
    extension = get_extension(scope, number)
    profile = profiles.get_profile(scope, profile_public_id, for_update=True)
    if not profile.is_active:
        raise Conflict(
            f"{profile.display_name} is disabled; only active profiles can be assigned. "
            "Enable the profile first.",
            code="profile_disabled",
            field="profile_id",
        )
    if extension.profile_id == profile.id:
        return extension
    before = snapshot(scope, extension)
    reassigned = extension.profile_id is not None
    extension.profile_id = profile.id
    population.populate(extension, profile)
    scope.db.flush()
    if reassigned:  # the former profile's softphone goes with the extension (R-D2, R-SW3)
        softphones.revoke_lost(scope, "extension reassigned")
    variant = _send_assignment_email(scope, extension, profile)
    _audit(scope, "extension.assigned", extension, before, detail={"email": variant})
    return extension


def _send_assignment_email(scope: Scope, extension: Extension, profile: Profile) -> str:
    """Queue the one R-V1 email that fits; return which variant was chosen."""
    context: dict[str, Any] = {
        "first_name": profile.first_name,
        "username": profile.username,
        "extension_number": extension.number,
    }
    if not extension.virtual_office_enabled:
        template = "assigned_no_portal"
    elif profile.password_hash is None:
        template = "assigned_setup"
        context.update(setup_links.email_context(scope, profile))
    else:
        template = "assigned_existing_password"
        context["sign_in_url"] = scope.settings.base_url.rstrip("/") + "/portal/sign-in"
    outbox.enqueue(scope, kind=template, to=profile.email, template=template, context=context)
    return template


def remove_profile(scope: Scope, number: str) -> Extension:
    """Take the profile off one extension; the PA holds it (R-D2)."""
    extension = get_extension(scope, number)
    if extension.profile_id is None:
        return extension
    before = snapshot(scope, extension)
    former = assigned_to(scope, extension)
    population.release_to_primary_admin(
        scope.db, scope.account, profiles.primary_admin(scope), extension_id=extension.id
    )
    scope.db.flush()
    scope.db.refresh(extension)
    if former is not None and extension.virtual_office_enabled:
        _revoke_if_no_portal_left(scope, former)
    softphones.revoke_lost(scope, "profile removed from the extension")
    _audit(scope, "extension.unassigned", extension, before)
    return extension


def _revoke_if_no_portal_left(scope: Scope, profile: Profile) -> None:
    """R-V2: a profile whose last Virtual-Office extension went loses portal access."""
    remaining = scope.db.scalar(
        select(func.count()).where(
            Extension.profile_id == profile.id, Extension.virtual_office_enabled.is_(True)
        )
    )
    if not remaining:
        profiles.revoke_access(scope, profile, kind=KIND_PORTAL)


@dataclass(frozen=True)
class Saved:
    """What :func:`save` did: the extension, and the profile it newly assigned (emailed)."""

    extension: Extension
    assigned: Profile | None


def save(
    scope: Scope,
    number: str,
    *,
    profile_id: str | None = None,
    virtual_office_enabled: bool | None = None,
    changes: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Saved:
    """The Edit Extension screen's *Save Changes* as one service call (R-E2–R-E5, R-V1).

    ``expected_version`` is checked before anything changes. When the save
    assigns a profile (``profile_id`` names one that is not assigned already),
    the steps run in the screen's order: Enable Virtual Office first, since it
    decides which assignment email goes out (R-V1); then the assignment, which
    fills caller ID and addresses from the new profile (R-E3); then the edits of
    ``changes``, which the assignment would otherwise clear (R-E4). Without an
    assignment the Virtual Office flag and the edits are one update. ``None``
    leaves the flag and the assignment as they are.
    """
    extension = get_extension(scope, number)
    _check_version(extension, expected_version)
    edits = dict(changes or {})
    flag = {} if virtual_office_enabled is None else {
        "virtual_office_enabled": virtual_office_enabled}
    current = assigned_to(scope, extension)
    if not profile_id or (current is not None and current.public_id == profile_id):
        return Saved(update_extension(scope, number, {**flag, **edits}), None)
    if flag:
        update_extension(scope, number, flag)
    extension = assign_profile(scope, number, profile_id)
    if edits:
        extension = update_extension(scope, number, edits)
    return Saved(extension, assigned_to(scope, extension))
