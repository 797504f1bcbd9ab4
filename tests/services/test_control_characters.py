"""R-P1 as amended: one definition of "control character" for every single-line field.

Unicode categories Cc, Cf (bidi overrides, zero-width characters), Zl and Zp
(U+2028/U+2029) are refused by every cleaner that stores a single line of text
(names, caller ID, email, usernames, custom-field labels and values, caller
numbers, external ids, token and account names), whichever interface calls it;
ordinary accented text is accepted by all of them. Custom field values may span
lines (CR/LF), as they always could; nothing else.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from phonedesk.accounts.profile_fields import clean_label
from phonedesk.auth.tokens import clean_token_name
from phonedesk.errors import ValidationFailed
from phonedesk.extensions.service import clean_populated
from phonedesk.messages.service import clean_caller_number
from phonedesk.profiles import fields, rules
from phonedesk.profiles.provisioning import clean_external_id
from phonedesk.text import CONTROL_CATEGORIES, control_characters

SETTINGS = settings(max_examples=60, deadline=None, database=None)
CATEGORIES = ["Cc", "Cf", "Zl", "Zp"]

controls = st.characters(categories=CATEGORIES)
accented = st.text(st.sampled_from("aàáâäãåæçèéêëíîïñòóôöøœßùúûüýÿÀÉÎÕÜŽšđłőű"),
                   min_size=1, max_size=12)

# Every single-line cleaner, as (what it is, value -> stored form). Each takes text a
# person would type as a name; the email takes it as the local part of an address.
Cleaner = Callable[[str], object]
CLEANERS: dict[str, Cleaner] = {
    "first name": lambda v: fields.FIRST_NAME.clean(v),
    "last name": lambda v: fields.LAST_NAME.clean(v),
    "caller ID": lambda v: clean_populated("caller_id_last_name", v),
    "username": lambda v: rules.clean_username(v, "unused@example.com"),
    "custom field label": lambda v: clean_label(2, v),
    "caller number": clean_caller_number,
    "external id": clean_external_id,
    "token name": lambda v: clean_token_name(v, "api"),
    "email": lambda v: fields.EMAIL.clean(f"{v}@example.com"),
}


def _refused(clean: Cleaner, value: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        clean(value)
    return caught.value


@pytest.mark.parametrize("what", list(CLEANERS))
@SETTINGS
@given(before=accented, control=controls, after=accented)
@example(before="Ann", control="\u202e", after="Lee")  # RIGHT-TO-LEFT OVERRIDE
@example(before="Ann", control="\u200b", after="Lee")  # ZERO WIDTH SPACE
@example(before="Ann", control="\u2028", after="Lee")  # LINE SEPARATOR
@example(before="Ann", control="\u2029", after="Lee")  # PARAGRAPH SEPARATOR
@example(before="Ann", control="\t", after="Lee")
def test_every_single_line_field_refuses_each_category(
    what: str, before: str, control: str, after: str
) -> None:
    error = _refused(CLEANERS[what], before + control + after)
    assert error.field and error.code in ("invalid_characters", "invalid_email")


@pytest.mark.parametrize("what", [w for w in CLEANERS if w != "email"])
@SETTINGS
@given(text=accented)
def test_every_single_line_field_accepts_accented_text(what: str, text: str) -> None:
    CLEANERS[what](text)


def test_an_accented_email_address_is_accepted() -> None:
    assert fields.EMAIL.clean("josé.müller@exämple.com")


@SETTINGS
@given(before=accented, control=controls.filter(lambda ch: ch not in "\r\n"), after=accented)
def test_custom_field_values_refuse_all_but_line_breaks(
    before: str, control: str, after: str
) -> None:
    custom = fields.CUSTOM[0]
    _refused(lambda v: custom.clean(v), before + control + after)
    assert custom.clean(f"{before}\r\n{after}") == f"{before}\r\n{after}"


@SETTINGS
@given(st.text(max_size=40))
def test_the_fast_path_agrees_with_the_categories(value: str) -> None:
    expected = [ch for ch in value if unicodedata.category(ch) in CONTROL_CATEGORIES]
    assert control_characters(value) == expected
    assert {"Cc", "Cf", "Zl", "Zp"} <= CONTROL_CATEGORIES
