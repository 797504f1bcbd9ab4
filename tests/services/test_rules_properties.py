"""Property-based tests of the profile value rules (R-P1, R-P2, R-P4).

Every interface (API, CSV import, SCIM, pages) funnels values through these
functions, so their invariants are checked over generated input rather than a
handful of examples: a cleaned value is always storable, cleaning is idempotent
(re-saving a profile never changes it), and username keys fold case and
normalisation the way R-P2 requires.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from phonedesk.errors import ValidationFailed
from phonedesk.profiles import rules

SETTINGS = settings(max_examples=300, deadline=None, database=None)

any_text = st.text(max_size=80)
username_alphabet = st.one_of(
    st.characters(categories=["L", "M", "Nd"]),
    st.sampled_from(list(" ._-@+'")),
)
usernames = st.text(username_alphabet, min_size=1, max_size=30)
# Letters whose upper and lower case forms fold together (dotless ı is the one
# Latin letter that does not: Unicode folds I to i, not to ı).
cased_latin = st.text(
    st.characters(categories=["Lu", "Ll"], max_codepoint=0x24F, exclude_characters="ıİ"),
    min_size=1, max_size=30,
)


def _cleaned_or_none(func, *args):  # type: ignore[no-untyped-def]
    try:
        return func(*args)
    except ValidationFailed as exc:
        assert exc.field, "every rule error names its field"
        assert exc.message and exc.code
        return None


@SETTINGS
@given(any_text, st.sampled_from(["first_name", "last_name"]))
@example("  Ann  ", "first_name")
@example("\t", "last_name")
@example("e\u0301" * 50, "first_name")
def test_clean_name(value: str, field: str) -> None:
    cleaned = _cleaned_or_none(rules.clean_name, value, field)
    if cleaned is None:
        return
    assert cleaned == cleaned.strip()
    assert 1 <= len(cleaned) <= rules.NAME_MAX
    assert not any(unicodedata.category(ch) == "Cc" for ch in cleaned)
    assert cleaned == unicodedata.normalize("NFC", cleaned)
    assert rules.clean_name(cleaned, field) == cleaned


@SETTINGS
@given(st.emails() | any_text)
@example("Ann.Lee@Example.COM")
@example(" ann@acme.example ")
def test_clean_email(value: str) -> None:
    cleaned = _cleaned_or_none(rules.clean_email, value)
    if cleaned is None:
        return
    assert len(cleaned) <= rules.EMAIL_MAX
    assert "@" in cleaned and cleaned == cleaned.strip()
    assert rules.clean_email(cleaned) == cleaned


@SETTINGS
@given(st.one_of(usernames, any_text, st.none()), st.emails())
@example(None, "a.very.long.address.for.someone@acme.example")
@example("ﷺ" * 30, "a@acme.example")
@example(" Front Lobby ", "lobby@acme.example")
def test_clean_username(value: str | None, email: str) -> None:
    email = _cleaned_or_none(rules.clean_email, email)
    assume(email is not None)
    cleaned = _cleaned_or_none(rules.clean_username, value, email)
    if cleaned is None:
        if not (value or "").strip() and len(email) > rules.USERNAME_MAX:
            with pytest.raises(ValidationFailed) as info:
                rules.clean_username(value, email)
            assert info.value.code == "username_required"
        return
    if not (value or "").strip():
        assert cleaned == email
    assert 1 <= len(cleaned) <= rules.USERNAME_MAX
    assert cleaned == cleaned.strip()
    # The stored key always fits its column, and cleaning twice changes nothing.
    assert len(rules.username_key(cleaned)) <= rules.USERNAME_KEY_MAX
    assert rules.clean_username(cleaned, email) == cleaned


@SETTINGS
@given(usernames)
def test_username_key_ignores_normalisation_form(name: str) -> None:
    """Composed and decomposed spellings are one username (R-P2)."""
    keys = {rules.username_key(unicodedata.normalize(form, name))
            for form in ("NFC", "NFD", "NFKC", "NFKD")}
    assert len(keys) == 1


@SETTINGS
@given(cased_latin)
@example("Zoë")
@example("straße")
def test_username_key_ignores_case(name: str) -> None:
    key = rules.username_key(name)
    assert rules.username_key(name.upper()) == key
    assert rules.username_key(name.lower()) == key
    assert rules.username_key(name.swapcase()) == key


@SETTINGS
@given(usernames)
def test_username_key_is_stable(name: str) -> None:
    """Keying a key changes nothing, so a stored key matches a later look-up."""
    key = rules.username_key(name)
    assert rules.username_key(key) == key


@SETTINGS
@given(st.one_of(any_text, st.none(), st.text(min_size=95, max_size=110)),
       st.integers(1, 3))
def test_clean_custom_field(value: str | None, number: int) -> None:
    cleaned = _cleaned_or_none(rules.clean_custom_field, value, number)
    if cleaned is None:
        return
    assert cleaned == cleaned.strip() and cleaned
    assert len(cleaned) <= rules.CUSTOM_FIELD_MAX
    assert rules.clean_custom_field(cleaned, number) == cleaned


def test_blank_custom_field_clears() -> None:
    assert rules.clean_custom_field("   ", 1) is None
    assert rules.clean_custom_field(None, 2) is None


def test_username_examples_from_the_spec() -> None:
    assert rules.clean_username("Front Lobby", "x@acme.example") == "Front Lobby"
    assert rules.username_key("Zoë") == rules.username_key("ZOË")
    assert rules.username_key("alice") == rules.username_key("ALICE")
    assert rules.username_key("alice") != rules.username_key("alicia")
