"""Checking a profile's fields against every rule at once (R-P1, R-P2, R-P4).

Every field is checked, not only up to the first that fails: a form then flags
each bad field together (one :class:`InvalidFields`), and the API lists them
all in ``detail.errors``. The value rules themselves are in
:mod:`phonedesk.profiles.rules`, the field list in :mod:`phonedesk.profiles.fields`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from phonedesk.errors import Conflict, DomainError, ValidationFailed, raise_all
from phonedesk.models import Account, Profile
from phonedesk.profiles import fields, rules
from phonedesk.scope import Scope


def _clean_each(account: Account, values: Mapping[str, Any], found: list[DomainError]
                ) -> dict[str, Any]:
    labels = fields.labels(account)
    cleaned: dict[str, Any] = {}
    for field in fields.FIELDS:
        if field is fields.USERNAME or field.key not in values:
            continue
        try:
            cleaned[field.key] = field.clean(values[field.key], label=labels[field.key])
        except ValidationFailed as exc:
            found.append(exc)
    return cleaned


def clean_fields(
    account: Account, values: Mapping[str, Any], current: Profile | None = None
) -> dict[str, Any]:
    """Validate every given field but the username, whose default needs the email (R-P2).

    Disabled custom fields are left out of the result (see :func:`refuse_disabled`),
    so they never change; ``current`` is the profile being edited, if any.
    """
    found: list[DomainError] = []
    cleaned = _clean_each(account, values, found)
    _collect(found, refuse_disabled, account, cleaned, current)
    raise_all(found)
    return cleaned


def clean_profile(
    scope: Scope, values: Mapping[str, Any], current: Profile | None = None
) -> dict[str, Any]:
    """Every given field, the username included and free, or every error at once.

    On creation ``values`` always has ``username`` (blank means the email, R-P2);
    on an edit only when it is being changed.
    """
    found: list[DomainError] = []
    cleaned = _clean_each(scope.account, values, found)
    _collect(found, refuse_disabled, scope.account, cleaned, current)
    if "username" in values:
        email = cleaned.get("email", current.email if current is not None else None)
        given = values["username"]
        # With no valid email, a blank username has no default to check; the email's
        # error already says what to fix.
        if email is not None or (given or "").strip():
            username = _collect(found, rules.clean_username, given, email or "")
            if username is not None:
                cleaned["username"] = username
                _collect(found, ensure_username_free, scope, username,
                         current.id if current is not None else None)
    raise_all(found)
    return cleaned


def _collect(found: list[DomainError], check: Any, *args: Any) -> Any:
    """``check(*args)``, or None with its domain error added to ``found``."""
    try:
        return check(*args)
    except DomainError as exc:
        found.append(exc)
        return None


def refuse_disabled(account: Account, cleaned: dict[str, Any], current: Profile | None) -> None:
    """R-P4: a custom field without a label is disabled: it cannot be given a value.

    Empty, or what the field already holds (a value kept from before its label was
    removed, sent back by a SCIM round trip), is no change and is dropped quietly.
    """
    named = account.custom_labels()
    for field in fields.CUSTOM:
        if field.number in named or field.key not in cleaned:
            continue
        value = cleaned.pop(field.key)
        held = getattr(current, field.key) if current is not None else None
        if value is not None and value != held:
            raise ValidationFailed(
                f"{field.label} has no label in this account, so it is disabled and cannot "
                "hold a value. Give it a label (Edit Viewable/Hidden Fields, or "
                "PUT /api/v1/settings/profile-fields) first.",
                code="custom_field_disabled",
                field=field.key,
            )


def ensure_username_free(scope: Scope, username: str, exclude_id: int | None) -> str:
    """The username's comparison key, or :class:`Conflict` when another profile has it."""
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
