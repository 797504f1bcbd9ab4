"""The catalogue of profile fields: key, label, limit and cleaner, read by every module.

The profile service, the CSV template, importer and staging, the profile
pages, the account's field settings and the SCIM mapping all take the list of
fields from here (R-P1, R-P2, R-P4, R-C1, R-C2), so a field is described once.
The cleaners are the pure rules of :mod:`phonedesk.profiles.rules`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from phonedesk.models import Account
from phonedesk.profiles import rules

# R-P3: the Internal ID heads every file and table; nobody edits it.
INTERNAL_ID_LABEL = "Internal ID"

# (field, value, label, email) -> the stored form; see ProfileField.clean.
Cleaner = Callable[["ProfileField", str | None, str, str], "str | None"]


@dataclass(frozen=True)
class ProfileField:
    """One editable field of a profile."""

    key: str  # the model attribute, API property, form input and audit key
    label: str  # the column header and form label (a custom field's until it is named)
    limit: int  # characters, after trimming
    cleaner: Cleaner
    number: int | None = None  # custom fields 1–3 (R-P4)

    def clean(self, value: str | None, *, label: str | None = None, email: str = "") -> str | None:
        """The stored form of ``value``, or :class:`ValidationFailed` naming the field.

        ``label`` is the account's label of a custom field; ``email`` is what a
        blank username defaults to (R-P2).
        """
        return self.cleaner(self, value, label or self.label, email)


def _name(field: ProfileField, value: str | None, label: str, email: str) -> str:
    return rules.clean_name(value, field.key, label=label)


def _email(field: ProfileField, value: str | None, label: str, email: str) -> str:
    return rules.clean_email(value, field.key, label=label)


def _username(field: ProfileField, value: str | None, label: str, email: str) -> str:
    return rules.clean_username(value, email)


def _custom(field: ProfileField, value: str | None, label: str, email: str) -> str | None:
    assert field.number is not None
    return rules.clean_custom_field(value, field.number, label)


FIRST_NAME = ProfileField("first_name", "First Name", rules.NAME_MAX, _name)
LAST_NAME = ProfileField("last_name", "Last Name", rules.NAME_MAX, _name)
EMAIL = ProfileField("email", "Email Address", rules.EMAIL_MAX, _email)
USERNAME = ProfileField("username", "Username", rules.USERNAME_MAX, _username)
CUSTOM = tuple(
    ProfileField(f"custom_field_{n}", f"Custom Field {n}", rules.CUSTOM_FIELD_MAX, _custom, n)
    for n in (1, 2, 3)
)
# The required fields (R-P1), in the template's order after the Internal ID (R-C2).
STANDARD = (FIRST_NAME, LAST_NAME, EMAIL, USERNAME)
FIELDS = STANDARD + CUSTOM

KEYS = tuple(f.key for f in FIELDS)
STANDARD_KEYS = tuple(f.key for f in STANDARD)
CUSTOM_KEYS = tuple(f.key for f in CUSTOM)
BY_KEY = {f.key: f for f in FIELDS}


def custom_key(number: int) -> str:
    """``custom_field_N`` for custom field ``number``."""
    return CUSTOM[number - 1].key


def labels(account: Account) -> dict[str, str]:
    """Every field's label as this account's users see it: custom fields under their labels."""
    named = account.custom_labels()
    return {f.key: named.get(f.number, f.label) if f.number else f.label for f in FIELDS}
