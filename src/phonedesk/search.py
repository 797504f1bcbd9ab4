"""Substring search over the folded keys, using an index on both databases.

Profiles are found by full name ("Yuki Andersson"), email or username, case-
and accent-insensitively (:func:`phonedesk.text.fold` is applied to the query
and to the stored ``search_text`` alike). The text is literal: ``%``, ``_`` and
quotes are ordinary characters. SQLite answers from an FTS5 trigram table
(``profiles_fts``), PostgreSQL from a ``pg_trgm`` GIN index; a query shorter
than three characters (no trigram) is a ``LIKE`` on the same stored column, so
both databases return the same rows for every query.

Set-based writes that bypass the ORM (the CSV import, extension population)
call :func:`refresh_profiles` / :func:`refresh_extensions` once afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, column, func, or_, select, table, text, union, update
from sqlalchemy.orm import Session

from phonedesk.models import Extension, Profile
from phonedesk.models.search_keys import extension_key, profile_keys
from phonedesk.text import fold

TRIGRAM = 3
_FTS = table("profiles_fts", column("rowid"), column("profiles_fts"))
_PROFILE_KEYS = ("search_text", "sort_first", "sort_last", "sort_email", "sort_username")
_CHUNK = 5000


def folded(q: str | None) -> str:
    """The query as it is compared (empty: no search)."""
    return fold(q) if q else ""


def _is_sqlite(db: Session) -> bool:
    return db.get_bind().dialect.name == "sqlite"


def contains(column_: Any, needle: str) -> ColumnElement[bool]:
    """``needle`` (already folded) occurs in the folded ``column_``, literally."""
    matched: ColumnElement[bool] = column_.contains(needle, autoescape=True)
    return matched


def profile_matches(db: Session, q: str | None, *,
                    or_public_id: bool = False) -> ColumnElement[bool] | None:
    """Profiles whose name, full name, email or username contains ``q`` (or, when asked,
    whose Internal ID is ``q``); None: no search."""
    needle = folded(q)
    if not needle:
        return None
    exact_id = (q or "").strip()
    if _is_sqlite(db) and len(needle) >= TRIGRAM:
        phrase = '"' + needle.replace('"', '""') + '"'
        ids = select(_FTS.c.rowid).where(_FTS.c.profiles_fts.op("MATCH")(phrase))
        if not or_public_id:
            return Profile.id.in_(ids)
        # One id list: an OR beside the list would make SQLite scan the table.
        return Profile.id.in_(union(ids, select(Profile.id).where(Profile.public_id == exact_id)))
    matched = contains(Profile.search_text, needle)
    return or_(matched, Profile.public_id == exact_id) if or_public_id else matched


def ordered_for_search(columns: list[Any]) -> list[Any]:
    """Sort terms that no index can serve, for a search: the few matches are found first
    and then sorted, instead of walking the whole sort index looking for them."""
    return [func.coalesce(c, c) for c in columns]


def extension_matches(q: str | None) -> ColumnElement[bool] | None:
    """Extensions whose number or caller ID name contains ``q`` (a few per account: a scan)."""
    needle = folded(q)
    return contains(Extension.search_text, needle) if needle else None


# --- keeping the keys after set-based writes ----------------------------------


def refresh_profiles(db: Session, account_id: int, since: datetime) -> int:
    """Recompute the keys of the account's profiles written since ``since``; how many moved."""
    stored = [getattr(Profile, key) for key in _PROFILE_KEYS]
    rows = db.execute(
        select(Profile.id, Profile.first_name, Profile.last_name, Profile.email,
               Profile.username, *stored)
        .where(Profile.account_id == account_id, Profile.updated_at >= since)
    ).all()
    changes = []
    for row in rows:
        keys = profile_keys(row[1], row[2], row[3], row[4])
        if tuple(keys.values()) != tuple(row[5:]):
            changes.append({"id": row[0], **keys})
    _write(db, Profile, changes)
    return len(changes)


def refresh_extensions(db: Session, account_id: int, since: datetime) -> int:
    """The same for extensions (their caller ID follows the holder set-based, R-E4)."""
    rows = db.execute(
        select(Extension.id, Extension.number, Extension.caller_id_first_name,
               Extension.caller_id_last_name, Extension.search_text)
        .where(Extension.account_id == account_id, Extension.updated_at >= since)
    ).all()
    changes = [{"id": r[0], "search_text": key} for r in rows
               if (key := extension_key(r[1], r[2], r[3])) != r[4]]
    _write(db, Extension, changes)
    return len(changes)


def _write(db: Session, model: type[Profile] | type[Extension],
           changes: list[dict[str, Any]]) -> None:
    """Write the new keys: one UPDATE from arrays on PostgreSQL, executemany on SQLite."""
    if not changes:
        return
    if _is_sqlite(db):
        db.execute(update(model).execution_options(synchronize_session=False), changes)
        return
    names = [key for key in changes[0] if key != "id"]
    sets = ", ".join(f"{n} = v.{n}" for n in names)
    arrays = ", ".join(f"unnest(CAST(:{n} AS text[])) AS {n}" for n in names)
    statement = text(
        f"UPDATE {model.__tablename__} AS t SET {sets} "
        f"FROM (SELECT unnest(CAST(:id AS integer[])) AS id, {arrays}) AS v WHERE t.id = v.id")
    for start in range(0, len(changes), _CHUNK):
        chunk = changes[start:start + _CHUNK]
        db.execute(statement, {key: [c[key] for c in chunk] for key in changes[0]})
