"""Usernames of an import judged against the database, set-based (R-C4, R-P2)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from phonedesk.bulk.units import Units
from phonedesk.models import ImportRow, Profile
from phonedesk.models.bulk import ERROR
from phonedesk.profiles import fields, rules

# A bit per field in ImportRow.changed_mask, in catalogue order (first_name = 1 …).
FIELD_BITS = {key: 1 << i for i, key in enumerate(fields.KEYS)}
_USERNAME_COLUMN = fields.USERNAME.label
_CHUNK = 5000


def username_conflicts(db: Session, import_id: int) -> list[tuple[int, int, str]]:
    """Rows whose final username another profile will still hold after the file.

    A profile "releases" its username when the file gives it a different one,
    so two profiles may swap usernames in one file (R-C4). Usernames are unique
    across the whole installation (R-P2), so every account's profiles count.
    Returns (row id, row number, username), set-based in one query.
    """
    mine = aliased(ImportRow)
    released = exists().where(
        mine.import_id == import_id,
        mine.profile_id == Profile.id,
        mine.outcome != ERROR,
        mine.username_key != ImportRow.username_key,
    )
    stmt = (
        select(ImportRow.id, ImportRow.row_number, ImportRow.username)
        .join(Profile, Profile.username_key == ImportRow.username_key)
        .where(
            ImportRow.import_id == import_id,
            ImportRow.outcome != ERROR,
            ImportRow.username_key.is_not(None),
            # A profile keeping its username cannot clash: the key is unique.
            or_(ImportRow.profile_id.is_(None),
                ImportRow.changed_mask.op("&")(FIELD_BITS["username"]) != 0),
            and_(func.coalesce(ImportRow.profile_id, 0) != Profile.id),
            ~released,
        )
        .order_by(ImportRow.row_number)
    )
    return [(r[0], r[1], r[2] or "") for r in db.execute(stmt)]


def mark_username_conflicts(units: Units, import_id: int) -> None:
    """Turn rows whose username is taken in the database into error rows.

    Judged on a fresh snapshot; only the (usually empty) update writes.
    """
    with units.read() as db:
        conflicts = username_conflicts(db, import_id)
        if not conflicts:
            return
        ids = [c[0] for c in conflicts]
        current: dict[int, Any] = {}
        for start in range(0, len(ids), _CHUNK):  # PostgreSQL takes 65,535 parameters at most
            rows = db.execute(select(ImportRow.id, ImportRow.errors)
                              .where(ImportRow.id.in_(ids[start:start + _CHUNK])))
            current.update({row_id: errors for row_id, errors in rows})
    params = []
    for row_id, _number, username in conflicts:
        errors = list(current.get(row_id) or [])
        errors.append({"column": _USERNAME_COLUMN,
                       "message": rules.username_taken_message(username)})
        params.append({"id": row_id, "outcome": ERROR, "errors": errors, "changes": None,
                       "changed_mask": 0})
    with units.write() as db:
        db.execute(update(ImportRow), params)
