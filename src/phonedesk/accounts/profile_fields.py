"""Per-account profile field settings: custom labels and viewable columns (R-C1, R-P4).

A custom field is enabled by giving it a label, and that label is its column
header everywhere — in the User Profiles table and in CSV files — so labels
must be distinct from each other and from the standard headers.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from phonedesk.audit import service as audit
from phonedesk.bulk.columns import STANDARD_LABELS, header_key
from phonedesk.errors import ValidationFailed
from phonedesk.scope import Scope

LABEL_MAX = 50
# Columns of the User Profiles table, in display order (R-C1).
TABLE_COLUMNS = (
    "internal_id",
    "first_name",
    "last_name",
    "email",
    "username",
    "custom_field_1",
    "custom_field_2",
    "custom_field_3",
    "extensions",
    "status",
    "role",
)
DEFAULT_VISIBLE = ("first_name", "last_name", "email", "username", "extensions", "status", "role")
RESERVED = {header_key(h) for h in STANDARD_LABELS} | {"extensions", "status", "role"}


@dataclass(frozen=True)
class ProfileFields:
    labels: dict[int, str | None]  # custom field number -> label (None: disabled)
    visible_columns: list[str]


def get_profile_fields(scope: Scope) -> ProfileFields:
    """The account's labels and the table columns shown (enabled ones only)."""
    account = scope.account
    labels: dict[int, str | None] = {
        1: account.custom_field_1_label,
        2: account.custom_field_2_label,
        3: account.custom_field_3_label,
    }
    stored = account.visible_columns
    visible = list(stored) if stored is not None else list(DEFAULT_VISIBLE)
    enabled = {f"custom_field_{n}" for n, label in labels.items() if label}
    visible = [c for c in visible if not c.startswith("custom_field_") or c in enabled]
    return ProfileFields(labels=labels, visible_columns=visible)


def _clean_label(number: int, value: str | None) -> str | None:
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        return None
    field = f"custom_field_{number}"
    if len(text) > LABEL_MAX:
        raise ValidationFailed(f"Custom field {number} label can be at most {LABEL_MAX} "
                               "characters.", code="too_long", field=field)
    if any(unicodedata.category(ch)[0] == "C" for ch in text):
        raise ValidationFailed(f"Custom field {number} label contains a control character.",
                               code="invalid_characters", field=field)
    if header_key(text) in RESERVED:
        raise ValidationFailed(
            f"“{text}” is already a standard column; give custom field {number} another label.",
            code="label_reserved", field=field,
        )
    return text


def update_profile_fields(
    scope: Scope,
    *,
    labels: Mapping[int, str | None] | None = None,
    visible_columns: Sequence[str] | None = None,
) -> ProfileFields:
    """Set custom labels (blank disables a field) and/or the viewable columns (R-C1)."""
    account = scope.account
    before = get_profile_fields(scope)
    new_labels = dict(before.labels)
    if labels is not None:
        for number, value in labels.items():
            if number not in (1, 2, 3):
                raise ValidationFailed("Custom fields are numbered 1 to 3.",
                                       field="custom_fields")
            new_labels[number] = _clean_label(number, value)
    seen: dict[str, int] = {}
    for number, label in sorted(new_labels.items()):
        if label is None:
            continue
        key = header_key(label)  # labels clash as the importer matches headers (R-C5)
        if key in seen:
            raise ValidationFailed(
                f"Custom fields {seen[key]} and {number} have the same label “{label}”; "
                "column headers must differ.",
                code="label_duplicate", field=f"custom_field_{number}",
            )
        seen[key] = number
    visible = list(before.visible_columns) if visible_columns is None else list(visible_columns)
    if visible_columns is not None:
        unknown = [c for c in visible if c not in TABLE_COLUMNS]
        if unknown:
            raise ValidationFailed(
                f"Unknown column “{unknown[0]}”; columns are {', '.join(TABLE_COLUMNS)}.",
                field="visible_columns",
            )
        disabled = [c for c in visible if c.startswith("custom_field_")
                    and new_labels[int(c[-1])] is None]
        if disabled:
            raise ValidationFailed(
                f"“{disabled[0]}” has no label, so it cannot be shown; give it a label first.",
                field="visible_columns",
            )
        visible = [c for c in TABLE_COLUMNS if c in set(visible)]
    account.custom_field_1_label = new_labels[1]
    account.custom_field_2_label = new_labels[2]
    account.custom_field_3_label = new_labels[3]
    account.visible_columns = visible
    scope.db.flush()
    after = get_profile_fields(scope)
    old, new = audit.diff(_audited(before), _audited(after))
    if old or new:
        audit.record(scope, "settings.profile_fields_updated", target_type="account",
                     target_id=str(account.id), target_label=account.name, before=old,
                     after=new)
    return after


def _audited(fields: ProfileFields) -> dict[str, Any]:
    data: dict[str, Any] = {f"custom_field_{n}_label": v for n, v in fields.labels.items()}
    data["visible_columns"] = fields.visible_columns
    return data
