"""The columns of the User Profile CSV template and formula neutralisation.

One definition serves the template, the export and the importer, so a file
downloaded from PhoneDesk always uploads cleanly (R-C2, R-C5, R-C6).
"""

from __future__ import annotations

from dataclasses import dataclass

from phonedesk.models import Account

STANDARD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("public_id", "Internal ID"),
    ("first_name", "First Name"),
    ("last_name", "Last Name"),
    ("email", "Email Address"),
    ("username", "Username"),
)
STANDARD_LABELS = tuple(label for _, label in STANDARD_COLUMNS)

# Characters that make a spreadsheet treat a cell as a formula (R-C6).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


@dataclass(frozen=True)
class Column:
    field: str  # public_id, first_name, …, custom_field_N
    label: str  # the header as written in files


def template_columns(account: Account) -> list[Column]:
    """Standard columns, then each enabled custom field under its label (R-C2)."""
    columns = [Column(field, label) for field, label in STANDARD_COLUMNS]
    for number, label in sorted(account.custom_labels().items()):
        columns.append(Column(f"custom_field_{number}", label))
    return columns


def header_key(text: str) -> str:
    """How headers are compared: case-insensitively, ignoring spaces and a BOM (R-C5)."""
    return text.replace("\ufeff", "").strip().casefold()


def _is_formula_like(value: str) -> bool:
    # A value that already starts with quotes before a trigger gets one more, so
    # that unneutralise() returns exactly the original.
    return value.lstrip("'")[:1] in FORMULA_TRIGGERS and value[:1] != ""


def neutralise(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula (R-C6)."""
    if value and (value[0] in FORMULA_TRIGGERS or (value[0] == "'" and _is_formula_like(value))):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Remove the one ``'`` that :func:`neutralise` added (R-C6)."""
    if value[:1] == "'" and _is_formula_like(value):
        return value[1:]
    return value
