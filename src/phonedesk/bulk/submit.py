"""Applying a validated import in one transaction with set-based SQL (R-C3).

A fixed handful of statements whatever the file's size: claim the import, check
that no touched profile changed since validation, free the usernames that move,
update changed profiles from the staging rows, insert new ones, let names and
emails flow to unedited extension fields (R-E4), and write one audit event per
created or changed profile (R-AU1, :mod:`phonedesk.bulk.audit_rows`). The caller owns the
transaction, so any refusal leaves nothing applied.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, literal, select, update

from phonedesk import search
from phonedesk.bulk import assignments, audit_rows
from phonedesk.bulk.staging import FIELD_BITS, PROFILE_FIELDS, PROFILE_MASK
from phonedesk.bulk.usernames import username_conflicts
from phonedesk.errors import PreconditionFailed
from phonedesk.extensions import population
from phonedesk.models import ImportBatch, ImportRow, Profile
from phonedesk.models.base import UTCDateTime
from phonedesk.models.bulk import CHANGED, NEW
from phonedesk.models.profile import ACTIVE
from phonedesk.scope import Scope
from phonedesk.switch.credentials import IssuedCredential

_SHOW = 10


def _rows_list(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_SHOW])
    return shown + (" …" if len(numbers) > _SHOW else "")


def check_not_stale(scope: Scope, batch: ImportBatch) -> None:
    """Refuse when a profile the file changes was edited after validation (no lost update)."""
    stale = list(
        scope.db.scalars(
            select(ImportRow.row_number)
            .join(Profile, Profile.id == ImportRow.profile_id)
            .where(
                ImportRow.import_id == batch.id,
                ImportRow.outcome == CHANGED,
                (Profile.version != ImportRow.base_version) | ~Profile.is_live,
            )
            .order_by(ImportRow.row_number)
            .limit(_SHOW + 1)
        )
    )
    if stale:
        raise PreconditionFailed(
            "Some profiles in this file were changed by someone else after the file was "
            f"validated (rows {_rows_list(stale)}). Nothing was applied. Download the "
            "template again, redo your edits and upload it.",
            code="import_stale",
        )
    taken = username_conflicts(scope.db, batch.id)
    if taken:
        raise PreconditionFailed(
            "Some usernames in this file were taken by other profiles after the file was "
            f"validated (rows {_rows_list([t[1] for t in taken])}). Nothing was applied. "
            "Upload the file again to see the details.",
            code="import_stale",
        )


def _changed_ids(batch: ImportBatch, bits: int) -> Select[Any]:
    return select(ImportRow.profile_id).where(
        ImportRow.import_id == batch.id,
        ImportRow.outcome == CHANGED,
        ImportRow.changed_mask.op("&")(bits) != 0,
    )


def apply(scope: Scope, batch: ImportBatch, now: datetime) -> list[tuple[str, IssuedCredential]]:
    """Write every new and changed row, then the assignments; raise (so the caller rolls
    back) if any is stale. Returns the SIP credentials of the extensions it created."""
    check_not_stale(scope, batch)
    if batch.changed_count:
        _update_changed(scope, batch, now)
    if batch.new_count:
        _insert_new(scope, batch, now)
    search.refresh_profiles(scope.db, scope.account_id, now)  # the rows written above
    scope.db.expire_all()
    return assignments.apply(scope, batch.id)


def _update_changed(scope: Scope, batch: ImportBatch, now: datetime) -> None:
    """Changed rows: only their changed columns, then R-E4 for their extensions."""
    db = scope.db
    # Free moving usernames first so that two profiles can swap them (R-C4).
    db.execute(
        update(Profile)
        .where(Profile.id.in_(_changed_ids(batch, FIELD_BITS["username"])))
        .values(username_key=None)
        .execution_options(synchronize_session=False)
    )
    updated = 0
    # One UPDATE per combination of changed fields (at most 127, usually one
    # or two): each sets only those columns, so untouched indexes stay put.
    masks = db.scalars(
        select(ImportRow.changed_mask)
        .where(ImportRow.import_id == batch.id, ImportRow.outcome == CHANGED)
        .distinct()
    ).all()
    for mask in masks:
        if not mask & PROFILE_MASK:
            continue  # only the row's extensions change (bulk.assignments)
        values: dict[str, Any] = {
            f: getattr(ImportRow, f) for f, bit in FIELD_BITS.items() if mask & bit
        }
        if mask & FIELD_BITS["username"]:
            values["username_key"] = ImportRow.username_key
        audit_rows.record_changed(scope, batch, now, mask)
        result = db.execute(
            update(Profile)
            .where(
                Profile.id == ImportRow.profile_id,
                ImportRow.import_id == batch.id,
                ImportRow.outcome == CHANGED,
                ImportRow.changed_mask == mask,
                Profile.version == ImportRow.base_version,
            )
            .values(**values, version=Profile.version + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        updated += result.rowcount  # type: ignore[attr-defined]
    expected = db.scalar(
        select(func.count()).where(ImportRow.import_id == batch.id, ImportRow.outcome == CHANGED,
                                   ImportRow.changed_mask.op("&")(PROFILE_MASK) != 0))
    if updated != expected:
        raise PreconditionFailed(
            "Some profiles in this file were changed by someone else while it was being "
            "applied. Nothing was applied; upload the file again.",
            code="import_stale",
        )
    population.flow_many_profile_changes(
        db,
        scope.account,
        {
            "first_name": _changed_ids(batch, FIELD_BITS["first_name"]),
            "last_name": _changed_ids(batch, FIELD_BITS["last_name"]),
            "email": _changed_ids(batch, FIELD_BITS["email"]),
        },
    )


def _insert_new(scope: Scope, batch: ImportBatch, now: datetime) -> None:
    """New rows: one INSERT … SELECT from the staging table, in file order."""
    stamp = literal(now, UTCDateTime())
    columns = ["public_id", "account_id", *PROFILE_FIELDS, "username_key", "status",
               "version", "created_at", "updated_at"]
    source = (
        select(
            ImportRow.public_id,
            literal(scope.account_id),
            *[getattr(ImportRow, f) for f in PROFILE_FIELDS],
            ImportRow.username_key,
            literal(ACTIVE),
            literal(1),
            stamp,
            stamp,
        )
        .where(ImportRow.import_id == batch.id, ImportRow.outcome == NEW)
        .order_by(ImportRow.row_number)
    )
    scope.db.execute(insert(Profile).from_select(columns, source))
    audit_rows.record_created(scope, batch, now)
