"""The columns of the User Profile CSV template, export and import (R-C2, R-C5).

One definition serves the template, the export and the importer, so a file
downloaded from PhoneDesk always uploads cleanly. The fields and their labels
come from the catalogue (:mod:`phonedesk.profiles.fields`).
"""

from __future__ import annotations

from dataclasses import dataclass

from phonedesk.models import Account
from phonedesk.profiles import fields

# Formula neutralising and header matching moved to phonedesk.spreadsheet (the audit export
# uses them too); their names stay importable from here.
from phonedesk.spreadsheet import FORMULA_TRIGGERS, header_key, neutralise, unneutralise

__all__ = ["EXTENSIONS", "EXTENSIONS_LABEL", "FORMULA_TRIGGERS", "STANDARD_COLUMNS",
           "STANDARD_LABELS", "Column", "column_labels",
           "header_key", "neutralise", "template_columns", "unneutralise"]

STANDARD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("public_id", fields.INTERNAL_ID_LABEL),
    *((f.key, f.label) for f in fields.STANDARD),
)
STANDARD_LABELS = tuple(label for _, label in STANDARD_COLUMNS)
# The profile's extension numbers ("201; 202"): optional on upload; a file without
# the column leaves assignments alone.
EXTENSIONS = "extensions"
EXTENSIONS_LABEL = "Extensions"


@dataclass(frozen=True)
class Column:
    field: str  # public_id, first_name, …, custom_field_N
    label: str  # the header as written in files


def template_columns(account: Account) -> list[Column]:
    """Standard columns, each enabled custom field under its label (R-C2), then Extensions."""
    columns = [Column(field, label) for field, label in STANDARD_COLUMNS]
    for number, label in sorted(account.custom_labels().items()):
        columns.append(Column(fields.custom_key(number), label))
    columns.append(Column(EXTENSIONS, EXTENSIONS_LABEL))
    return columns


def column_labels(account: Account) -> dict[str, str]:
    """The header each field goes by in this account's files (R-C5)."""
    return {"public_id": fields.INTERNAL_ID_LABEL, **fields.labels(account),
            EXTENSIONS: EXTENSIONS_LABEL}
