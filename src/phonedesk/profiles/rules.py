"""Value rules for profile fields (R-P1, R-P2, R-P4), shared by every interface.

Each ``clean_*`` function returns the stored form of a value or raises
:class:`ValidationFailed` naming the field. The bulk importer calls the same
functions row by row, so a CSV row and an API request can never disagree.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

from phonedesk.errors import ValidationFailed
from phonedesk.text import refuse_control_characters

NAME_MAX = 50
EMAIL_MAX = 254
USERNAME_MAX = 30
USERNAME_KEY_MAX = 120  # the stored comparison form; see username_key
CUSTOM_FIELD_MAX = 100
_USERNAME_PUNCTUATION = frozenset(" ._-@+'")
# The common case of the character rule below, checked in one regex call.
_PLAIN_USERNAME = re.compile(r"[A-Za-z0-9 ._\-@+']*")



def _default_label(field: str) -> str:
    """``first_name`` → "First Name"; callers pass the catalogue's or the account's label."""
    return field.replace("_", " ").title()


def clean_name(value: str | None, field: str, *, label: str | None = None) -> str:
    """A first or last name (or caller ID): 1–50 characters after trimming, no control
    characters. ``label`` names the field in messages (see :mod:`phonedesk.profiles.fields`)."""
    label = label or _default_label(field)
    text = unicodedata.normalize("NFC", (value or "").strip())
    if not text:
        raise ValidationFailed(f"{label} is required.", code="required", field=field)
    if len(text) > NAME_MAX:
        raise ValidationFailed(
            f"{label} can be at most {NAME_MAX} characters (this one has {len(text)}).",
            code="too_long",
            field=field,
        )
    return refuse_control_characters(text, label=label, field=field)


# An ASCII dot-atom local part (RFC 5322 atext separated by single dots): for such an
# address email-validator accepts the local part exactly as written, so only the
# domain needs the library. Anything else takes the library's full path.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM_LOCAL = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LOCAL_MAX = 64


@lru_cache(maxsize=4096)
def _validated_domain(domain: str) -> str:
    """The library's verdict on a domain, once per process: a company has few domains."""
    return validate_email("x@" + domain, check_deliverability=False).domain


def _validated_email(text: str) -> str:
    """email-validator's normalised address, without re-parsing the common case.

    A 100,000-row import has 100,000 distinct addresses but a handful of domains;
    the library's character-by-character parse of every address was half the
    cost of validating a file. ``tests/services/test_email_fast_path.py`` checks
    that both paths agree.
    """
    local, at, domain = text.rpartition("@")
    if at and text.isascii() and len(local) <= _LOCAL_MAX and _DOT_ATOM_LOCAL.fullmatch(local):
        return f"{local}@{_validated_domain(domain)}"
    return validate_email(text, check_deliverability=False).normalized


def clean_email(value: str | None, field: str = "email", *, label: str = "Email Address") -> str:
    """A syntactically valid address of at most 254 characters; no DNS look-up."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"{label} is required.", code="required", field=field)
    if len(text) > EMAIL_MAX:
        raise ValidationFailed(
            f"{label} can be at most {EMAIL_MAX} characters.", code="too_long", field=field
        )
    refuse_control_characters(text, label=label, field=field)
    try:
        return _validated_email(text)
    except EmailNotValidError as exc:
        raise ValidationFailed(
            f"{label} “{text}” is not a valid email address: {exc}",
            code="invalid_email",
            field=field,
        ) from None


def username_key(username: str) -> str:
    """The form in which usernames are compared: full Unicode case folding (R-P2).

    NFKC before and after ``casefold`` makes composed and decomposed ``Zoë``
    and ``ZOË`` one key, not only ASCII letters.
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def _username_character_ok(ch: str) -> bool:
    if ch in _USERNAME_PUNCTUATION:
        return True
    category = unicodedata.category(ch)
    return category[0] in ("L", "M") or category == "Nd"


def clean_username(value: str | None, email: str) -> str:
    """The username, defaulting to the email address when left blank (R-P2)."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    from_email = not text
    if from_email:
        text = email
    if len(text) > USERNAME_MAX:
        if from_email:
            raise ValidationFailed(
                f"The email address is longer than {USERNAME_MAX} characters, so it cannot be "
                "used as the username. Enter a username of at most "
                f"{USERNAME_MAX} characters.",
                code="username_required",
                field="username",
            )
        raise ValidationFailed(
            f"Username can be at most {USERNAME_MAX} characters (this one has {len(text)}).",
            code="too_long",
            field="username",
        )
    if len(username_key(text)) > USERNAME_KEY_MAX:
        # A few ligatures (e.g. U+FDFA) expand to many letters under folding.
        raise ValidationFailed(
            "Username is too long once its letters are spelt out in full; shorten it.",
            code="too_long",
            field="username",
        )
    if _PLAIN_USERNAME.fullmatch(text):  # ASCII letters, digits, allowed punctuation
        return text
    refuse_control_characters(text, label="Username", field="username")
    bad = sorted({ch for ch in text if not _username_character_ok(ch)})
    if bad:
        shown = " ".join(repr(ch) for ch in bad[:5])
        if from_email:
            raise ValidationFailed(
                f"The email address contains {shown}, which a username cannot, so it cannot "
                "be used as the username. Enter a username (letters, digits, spaces and "
                ". _ - @ + ' only).",
                code="username_required",
                field="username",
            )
        raise ValidationFailed(
            f"Username may contain letters, digits, spaces and . _ - @ + ' only (not {shown}).",
            code="invalid_characters",
            field="username",
        )
    return text


def username_taken_message(username: str) -> str:
    """What every interface says when a username is in use (R-P2)."""
    return (
        f"The username “{username}” is already taken. Usernames are sign-in names and must "
        "be unique; choose another."
    )


def username_is_email(username: str, email: str) -> bool:
    """Whether a username is its profile's email address, compared as usernames are (R-P2)."""
    return username_key(username) == username_key(email)


def username_following_email(username: str, old_email: str, new_email: str,
                             given: str | None) -> str:
    """The username when the caller asked it to follow an email edit (R-P2).

    Allowed only while the username is the old email; a username given as well
    must be the current one or the new email, anything else contradicts the choice.
    """
    if not username_is_email(username, old_email):
        raise ValidationFailed(
            f"The username “{username}” is not the email address, so it cannot follow the "
            "email; give the new username itself instead.",
            code="username_not_email",
            field="username",
        )
    text = (given or "").strip()
    if text and username_key(text) not in (username_key(username), username_key(new_email)):
        raise ValidationFailed(
            "Give either a new username or ask for the username to follow the email, not both.",
            code="username_conflicting_choice",
            field="username",
        )
    return new_email


def clean_custom_field(value: str | None, number: int, label: str | None = None) -> str | None:
    """A custom field value: at most 100 characters; blank clears it (R-P4)."""
    field = f"custom_field_{number}"
    text = (value or "").strip()
    if not text:
        return None
    shown = label or _default_label(field)
    if len(text) > CUSTOM_FIELD_MAX:
        raise ValidationFailed(
            f"{shown} can be at most {CUSTOM_FIELD_MAX} characters.", code="too_long", field=field
        )
    # A value may span lines (a CSV cell can quote line breaks); nothing else is allowed.
    return refuse_control_characters(text, label=shown, field=field, allow_line_breaks=True)
