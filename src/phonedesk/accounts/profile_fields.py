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
from phonedesk.errors import ValidationFailed
from phonedesk.profiles import fields as catalogue
from phonedesk.scope import Scope
from phonedesk.spreadsheet import header_key
from phonedesk.text import refuse_control_characters

LABEL_MAX = 50
# Columns of the User Profiles table, in display order (R-C1): the Internal ID, every
# profile field, then what the table adds.
TABLE_EXTRAS = ("extensions", "status", "role")
TABLE_COLUMNS = ("internal_id", *catalogue.KEYS, *TABLE_EXTRAS)
DEFAULT_VISIBLE = (*catalogue.STANDARD_KEYS, *TABLE_EXTRAS)
# A custom label may not be the header of a standard column (R-C5 matches headers).
RESERVED = {
    header_key(h) for h in (catalogue.INTERNAL_ID_LABEL, *(f.label for f in catalogue.STANDARD))
} | set(TABLE_EXTRAS)


@dataclass(frozen=True)
class ProfileFields:
    labels: dict[int, str | None]  # custom field number -> label (None: disabled)
    visible_columns: list[str]


def get_profile_fields(scope: Scope) -> ProfileFields:
    """The account's labels and the table columns shown (enabled ones only)."""
    account = scope.account
    named = account.custom_labels()
    labels: dict[int, str | None] = {
        f.number: named.get(f.number) for f in catalogue.CUSTOM if f.number is not None
    }
    stored = account.visible_columns
    visible = list(stored) if stored is not None else list(DEFAULT_VISIBLE)
    disabled = {f.key for f in catalogue.CUSTOM if f.number not in named}
    visible = [c for c in visible if c not in disabled]
    return ProfileFields(labels=labels, visible_columns=visible)


def clean_label(number: int, value: str | None) -> str | None:
    """A custom field's header label (R-P4, R-C1): blank disables the field."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        return None
    field = catalogue.custom_key(number)
    if len(text) > LABEL_MAX:
        raise ValidationFailed(f"Custom field {number} label can be at most {LABEL_MAX} "
                               "characters.", code="too_long", field=field)
    refuse_control_characters(text, label=f"Custom field {number} label", field=field)
    if header_key(text) in RESERVED:
        raise ValidationFailed(
            f"“{text}” is already a standard column; give custom field {number} another label.",
            code="label_reserved", field=field,
        )
    return text


def _distinct_labels(labels: Mapping[int, str | None]) -> None:
    """Labels clash as the importer matches headers (R-C5): they must differ that way."""
    seen: dict[str, int] = {}
    for number, label in sorted(labels.items()):
        if label is None:
            continue
        key = header_key(label)
        if key in seen:
            raise ValidationFailed(
                f"Custom fields {seen[key]} and {number} have the same label “{label}”; "
                "column headers must differ.",
                code="label_duplicate", field=catalogue.custom_key(number),
            )
        seen[key] = number


def _shown_columns(visible: Sequence[str], labels: Mapping[int, str | None]) -> list[str]:
    """Known columns in table order; a custom field without a label cannot be shown."""
    unknown = [c for c in visible if c not in TABLE_COLUMNS]
    if unknown:
        raise ValidationFailed(
            f"Unknown column “{unknown[0]}”; columns are {', '.join(TABLE_COLUMNS)}.",
            field="visible_columns",
        )
    disabled = [f.key for f in catalogue.CUSTOM
                if f.key in visible and labels.get(f.number or 0) is None]
    if disabled:
        raise ValidationFailed(
            f"“{disabled[0]}” has no label, so it cannot be shown; give it a label first.",
            field="visible_columns",
        )
    return [c for c in TABLE_COLUMNS if c in set(visible)]


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
    for number, value in (labels or {}).items():
        if number not in new_labels:
            raise ValidationFailed("Custom fields are numbered 1 to 3.", field="custom_fields")
        new_labels[number] = clean_label(number, value)
    _distinct_labels(new_labels)
    visible = (list(before.visible_columns) if visible_columns is None
               else _shown_columns(visible_columns, new_labels))
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
    data: dict[str, Any] = {f"{catalogue.custom_key(n)}_label": v for n, v in fields.labels.items()}
    data["visible_columns"] = fields.visible_columns
    return data
