"""Password policy and hashing (R-V3).

Length is the only composition rule (12 to 128 characters, never truncated),
following NIST SP 800-63B: the password may not be the username or email and
may not be one of the most common passwords, shipped with the package in
``common_passwords.txt`` (see ``common_passwords_LICENSE.txt``). Hashes are
argon2id with argon2-cffi's defaults; old parameters are upgraded on sign-in.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from phonedesk.errors import ValidationFailed

MIN_LENGTH = 12
MAX_LENGTH = 128
# Anything longer cannot be a valid password: refuse it before hashing so that a
# megabyte of input cannot buy a megabyte of argon2 work.
_VERIFY_LIMIT = 4 * MAX_LENGTH

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory defaults


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("phonedesk.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def check_policy(password: str, *, username: str, email: str) -> None:
    """Raise :class:`ValidationFailed` (field ``password``) naming the rule that is broken."""
    length = len(password)
    if length < MIN_LENGTH:
        raise ValidationFailed(
            f"Use at least {MIN_LENGTH} characters (this one has {length}). A few unrelated "
            "words make a long password that is easy to remember.",
            code="password_too_short",
            field="password",
        )
    if length > MAX_LENGTH:
        raise ValidationFailed(
            f"Use at most {MAX_LENGTH} characters (this one has {length}).",
            code="password_too_long",
            field="password",
        )
    folded = _fold(password)
    if folded in {_fold(username), _fold(email)}:
        raise ValidationFailed(
            "Your password cannot be your username or email address.",
            code="password_is_identity",
            field="password",
        )
    if folded in common_passwords() or folded.strip() in common_passwords():
        raise ValidationFailed(
            "This password is one of the most commonly used passwords, which attackers try "
            "first. Choose another.",
            code="password_too_common",
            field="password",
        )


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not a password: used to make unknown usernames cost the same")


def verify(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; costs one argon2 verification even without a hash.

    Doing the work for unknown usernames and profiles without a password keeps the
    response time from telling which usernames exist.
    """
    if len(password) > _VERIFY_LIMIT:
        return False
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and (
            password_hash is not None
        )
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
