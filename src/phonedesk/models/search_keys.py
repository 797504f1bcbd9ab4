"""The stored search and sort keys of profiles and extensions, derived from their fields.

Every key is :func:`phonedesk.text.fold` of what people type or read, so that
search is case- and accent-insensitive and ordering is Unicode-aware, the same
way on SQLite and PostgreSQL (both compare the stored keys byte-wise). The ORM
keeps them on every insert and update through a mapper event; set-based
statements that bypass the ORM call :mod:`phonedesk.search` ``refresh_*``.
"""

from __future__ import annotations

from typing import Any

from phonedesk.text import fold

# Separates the fields of one search text, so no match spans two of them: fold()
# removes control characters from every query, so a query can never contain it.
SEPARATOR = "\x1f"


def profile_keys(first: str | None, last: str | None, email: str | None,
                 username: str | None) -> dict[str, str]:
    """Search text (full name, email, username) and the four sort keys of a profile."""
    f, la, e, u = fold(first), fold(last), fold(email), fold(username)
    return {
        "search_text": SEPARATOR.join((f"{f} {la}", e, u)),
        "sort_first": f,
        "sort_last": la,
        "sort_email": e,
        "sort_username": u,
    }


def extension_key(number: str | None, caller_first: str | None, caller_last: str | None) -> str:
    """Search text of an extension: its number and its caller ID name."""
    return SEPARATOR.join((fold(number), f"{fold(caller_first)} {fold(caller_last)}"))


def fill_profile(target: Any) -> None:
    """Set a profile's keys from its current fields (a mapper event's target)."""
    for key, value in profile_keys(target.first_name, target.last_name, target.email,
                                   target.username).items():
        if getattr(target, key, None) != value:
            setattr(target, key, value)


def fill_extension(target: Any) -> None:
    value = extension_key(target.number, target.caller_id_first_name, target.caller_id_last_name)
    if target.search_text != value:
        target.search_text = value
