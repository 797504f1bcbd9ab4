"""One audit event per profile an import creates or changes, set-based (R-AU1).

The events are the ones the profile service writes ("profile.created" with the
new profile's fields, "profile.updated" with only the changed fields before and
after), so a profile's history reads the same whichever interface made the
change; their detail says the change came from an import, and which file.

Each is an ``INSERT … SELECT`` from the staging table: one statement for the new
rows and one per combination of changed fields, never one per row. The JSON of
before/after is built by the database (``json_object`` on SQLite,
``json_build_object`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, insert, literal, null, select

from phonedesk.bulk.staging import FIELD_BITS, PROFILE_FIELDS
from phonedesk.models import AuditEvent, ImportBatch, ImportRow, Profile
from phonedesk.models.base import UTCDateTime
from phonedesk.models.bulk import CHANGED, NEW
from phonedesk.models.profile import ACTIVE
from phonedesk.scope import Scope

CREATED = "profile.created"
UPDATED = "profile.updated"
_COLUMNS = ["account_id", "at", "actor_type", "actor_id", "actor_label", "action",
            "target_type", "target_id", "target_label", "before", "after", "detail"]


def _text(value: str | None) -> ColumnElement[Any]:
    """A constant as typed SQL text (PostgreSQL cannot infer a bare parameter's type here)."""
    return null() if value is None else cast(literal(value), String)


def _json_object(scope: Scope, pairs: Sequence[tuple[str, ColumnElement[Any]]]
                 ) -> ColumnElement[Any]:
    fn = func.json_build_object if scope.db.get_bind().dialect.name == "postgresql" \
        else func.json_object
    args: list[ColumnElement[Any]] = []
    for key, value in pairs:
        args += [_text(key), value]
    return fn(*args)


def _common(scope: Scope, now: datetime, action: str) -> list[Any]:
    """Account, time, actor, action and target of every event, in ``_COLUMNS`` order."""
    actor = scope.actor
    return [
        literal(scope.account_id),
        literal(now, UTCDateTime()),
        _text(actor.kind),
        _text(actor.id),
        _text(actor.label),
        _text(action),
        _text("profile"),
        ImportRow.public_id,
        ImportRow.first_name.concat(_text(" ")).concat(ImportRow.last_name),
    ]


def _detail(scope: Scope, batch: ImportBatch) -> ColumnElement[Any]:
    return _json_object(scope, [("source", _text("import")),
                                ("import_id", _text(batch.public_id)),
                                ("file", _text(batch.filename))])


def record_created(scope: Scope, batch: ImportBatch, now: datetime) -> None:
    """"profile.created" for every new row, with the snapshot the service would write."""
    after = _json_object(scope, [*((f, getattr(ImportRow, f)) for f in PROFILE_FIELDS),
                                 ("status", _text(ACTIVE)), ("role", null())])
    source = (
        select(*_common(scope, now, CREATED), null(), after, _detail(scope, batch))
        .where(ImportRow.import_id == batch.id, ImportRow.outcome == NEW)
        .order_by(ImportRow.row_number)
    )
    scope.db.execute(insert(AuditEvent).from_select(_COLUMNS, source))


def record_changed(scope: Scope, batch: ImportBatch, now: datetime, mask: int) -> None:
    """"profile.updated" for the changed rows of one field combination, before the UPDATE.

    Run before the profiles are written, so "before" is read from the profile
    itself (submit has checked it is the version that was validated).
    """
    keys = [f for f, bit in FIELD_BITS.items() if mask & bit]
    before = _json_object(scope, [(f, getattr(Profile, f)) for f in keys])
    after = _json_object(scope, [(f, getattr(ImportRow, f)) for f in keys])
    source = (
        select(*_common(scope, now, UPDATED), before, after, _detail(scope, batch))
        .join(Profile, Profile.id == ImportRow.profile_id)
        .where(ImportRow.import_id == batch.id, ImportRow.outcome == CHANGED,
               ImportRow.changed_mask == mask)
        .order_by(ImportRow.row_number)
    )
    scope.db.execute(insert(AuditEvent).from_select(_COLUMNS, source))
