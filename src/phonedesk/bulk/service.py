"""Bulk CSV provisioning: template and export, upload → preview → submit (R-C1–R-C7).

The interfaces (REST API, CLI, and the upload wizard pages) call only this
module:

* :func:`write_csv` streams the template or export of an account.
* :func:`upload` reads a file into the staging table and returns the import
  with its counts, notices and file-level errors.
* :func:`get_import` and :func:`list_rows` read a preview, paged and filtered
  by outcome; :func:`all_errors` lists every error of a rejected import.
* :func:`submit` applies a validated import once, in the caller's transaction.

An import belongs to the account and actor that uploaded it (R-C7); anyone
else gets "not found". Unsubmitted imports expire after
``import_ttl_hours`` and :func:`purge_expired` deletes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from phonedesk.audit import service as audit
from phonedesk.bulk import submit as applier
from phonedesk.bulk.assignments import EMAIL_LABELS, numbers_of
from phonedesk.bulk.columns import EXTENSIONS, column_labels, template_columns
from phonedesk.bulk.staging import PROFILE_FIELDS
from phonedesk.bulk.uploading import STAGING, discard, purge_expired, upload
from phonedesk.errors import Conflict, NotFound, ValidationFailed
from phonedesk.models import ImportBatch, ImportRow, Profile
from phonedesk.models.base import utcnow
from phonedesk.models.bulk import (
    APPLIED,
    CHANGED,
    ERROR,
    NEW,
    OUTCOMES,
    REJECTED,
    UNCHANGED,
    VALIDATED,
)
from phonedesk.scope import Scope
from phonedesk.spreadsheet import CsvChunks
from phonedesk.switch.credentials import IssuedCredential

# --- template and export -----------------------------------------------------

_EXPORT_BATCH = 1000


def write_csv(scope: Scope) -> Iterator[bytes]:
    """The template/export of every live profile, as UTF-8 CSV chunks (R-C2, R-C6).

    UTF-8 with BOM and CRLF so that Excel opens it cleanly; cells that a
    spreadsheet would run as formulas get a leading ``'``. Profiles are read in
    batches so memory stays flat however large the account is.
    """
    columns = template_columns(scope.account)
    out = CsvChunks()
    yield out.write([[c.label for c in columns]])
    attrs = [getattr(Profile, c.field) for c in columns if c.field != EXTENSIONS]
    stmt = (
        select(Profile.id, *attrs)
        .where(Profile.account_id == scope.account_id, Profile.is_live)
        .order_by(Profile.last_name, Profile.first_name, Profile.id)
        .execution_options(yield_per=_EXPORT_BATCH)
    )
    result = scope.db.execute(stmt)
    for partition in result.partitions(_EXPORT_BATCH):
        # The Extensions column: one query per batch of profiles (R-C2).
        numbers = numbers_of(scope.db, scope.account_id, [row[0] for row in partition])
        yield out.write([*(v or "" for v in row[1:]), numbers[row[0]]] for row in partition)


# --- reading a preview -------------------------------------------------------


def _expired(batch: ImportBatch) -> bool:
    return batch.status != APPLIED and batch.expires_at <= utcnow()


def get_import(scope: Scope, import_id: str) -> ImportBatch:
    """An import of this account uploaded by this actor (R-C7), else NotFound."""
    batch = scope.db.scalar(
        select(ImportBatch).where(
            ImportBatch.public_id == import_id,
            ImportBatch.account_id == scope.account_id,
        )
    )
    if (
        batch is None
        or batch.actor_type != scope.actor.kind
        or batch.actor_id != scope.actor.id
    ):
        raise NotFound("No such import. Imports can be seen only by whoever uploaded them.",
                       code="import_not_found")
    if _expired(batch):
        raise NotFound("This upload has expired. Upload the file again.",
                       code="import_expired")
    return batch


@dataclass(frozen=True)
class RowView:
    """One staged row as the preview shows it."""

    row: int
    outcome: str
    profile_id: str | None
    values: dict[str, Any]
    changes: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    assignments: dict[str, Any] | None = None


def list_rows(
    scope: Scope, batch: ImportBatch, *, outcome: str | None = None, limit: int = 50,
    offset: int = 0,
) -> tuple[list[RowView], int]:
    """A page of the preview's rows in file order, optionally of one outcome."""
    stmt = select(ImportRow).where(ImportRow.import_id == batch.id)
    if outcome:
        if outcome not in OUTCOMES:
            raise ValidationFailed(f"Outcome is one of {', '.join(OUTCOMES)}.", field="outcome")
        stmt = stmt.where(ImportRow.outcome == outcome)
    total = scope.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    labels = column_labels(scope.account)
    rows = scope.db.scalars(stmt.order_by(ImportRow.row_number).limit(limit).offset(offset))
    views = []
    for r in rows:
        values = {field: getattr(r, field) for field in PROFILE_FIELDS}
        if r.extensions is not None:
            values[EXTENSIONS] = r.extensions
        changes = [
            {"field": f, "column": labels.get(f, f), "before": ba[0], "after": ba[1]}
            for f, ba in (r.changes or {}).items()
        ]
        views.append(RowView(row=r.row_number, outcome=r.outcome,
                             profile_id=r.public_id if r.outcome != NEW or batch.status == APPLIED
                             else None,
                             values=values, changes=changes, errors=list(r.errors or []),
                             assignments=r.assignments))
    return views, total


def assignment_changes(scope: Scope, batch: ImportBatch) -> list[dict[str, Any]]:
    """Every assignment change submit makes, in file order, with the email it sends (R-V1).

    One item per extension and row: ``change`` is "assign" (``create`` when the
    number is new) or "remove" (the PA holds it then, R-D2); ``email`` is the
    R-V1 variant an assignment sends to ``to``, None for a removal.
    """
    items: list[dict[str, Any]] = []
    rows = scope.db.execute(
        select(ImportRow.row_number, ImportRow.first_name, ImportRow.last_name, ImportRow.email,
               ImportRow.assignments)
        .where(ImportRow.import_id == batch.id, ImportRow.assignments.is_not(None),
               ImportRow.outcome != ERROR)
        .order_by(ImportRow.row_number)
    )
    for number, first, last, email, a in rows:
        who = {"row": number, "profile": f"{first} {last}", "to": email}
        for n in a.get("removed", []):
            items.append({**who, "number": n, "change": "remove", "create": False,
                          "email": None, "email_label": None})
        for item in a.get("added", []):
            items.append({**who, "number": item["number"], "change": "assign",
                          "create": item["create"], "email": item["email"],
                          "email_label": EMAIL_LABELS[item["email"]]})
    return items


def all_errors(scope: Scope, batch: ImportBatch) -> Iterator[dict[str, Any]]:
    """Every error of the import: file-level ones (row None) first, then by row."""
    for err in batch.file_errors or []:
        yield {"row": None, "column": err.get("column"), "message": err["message"]}
    stmt = (
        select(ImportRow.row_number, ImportRow.errors)
        .where(ImportRow.import_id == batch.id, ImportRow.outcome == ERROR)
        .order_by(ImportRow.row_number)
        .execution_options(yield_per=1000)
    )
    for number, errors in scope.db.execute(stmt):
        for err in errors or []:
            yield {"row": number, "column": err.get("column"), "message": err["message"]}


def counts(batch: ImportBatch) -> dict[str, int]:
    return {
        NEW: batch.new_count,
        CHANGED: batch.changed_count,
        UNCHANGED: batch.unchanged_count,
        ERROR: batch.error_count,
    }


# --- submit ------------------------------------------------------------------


def _already_submitted() -> Conflict:
    """One refusal for both ways of finding it out: the status read, and the lost claim."""
    return Conflict("This import was already submitted; it cannot be submitted again.",
                    code="import_already_submitted")


@dataclass(frozen=True)
class Submitted:
    """An applied import, and the desk phone credentials of the extensions it created
    (shown this once to whoever submitted, as Add Extension shows them)."""

    batch: ImportBatch
    sip: list[tuple[str, IssuedCredential]]


def submit(scope: Scope, import_id: str) -> ImportBatch:
    """Apply the import (see :func:`submitted`)."""
    return submitted(scope, import_id).batch


def submitted(scope: Scope, import_id: str) -> Submitted:
    """Apply the import in the caller's transaction, exactly once (R-C3).

    Refused while errors remain, when already submitted, and when any profile
    it changes was edited after validation. Every created or changed profile
    gets its own audit event and one summary event records the counts (R-AU1);
    the staged rows stay as its detail. On any DomainError the caller must roll
    back (as every interface does): statements already run are part of the
    refused attempt.
    """
    batch = get_import(scope, import_id)
    if batch.status == APPLIED:
        raise _already_submitted()
    if batch.status == STAGING:
        raise Conflict("This file is still being validated. Wait for its preview, then submit.",
                       code="import_validating")
    if batch.status == REJECTED:
        raise Conflict(
            f"This file has {batch.error_count + len(batch.file_errors or [])} error(s); "
            "nothing can be applied until they are fixed. Correct the file and upload it again.",
            code="import_has_errors",
        )
    now = utcnow()
    claimed = scope.db.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == VALIDATED)
        .values(status=APPLIED, submitted_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _already_submitted()
    sip = applier.apply(scope, batch, now)
    scope.db.refresh(batch)
    audit.record(
        scope,
        "import.applied",
        target_type="import",
        target_id=batch.public_id,
        target_label=batch.filename,
        detail={"counts": counts(batch), "rows": batch.row_count, "filename": batch.filename},
    )
    scope.db.flush()
    return Submitted(batch, sip)


__all__ = ["Submitted", "all_errors", "assignment_changes", "counts", "discard", "get_import",
           "list_rows", "purge_expired", "submit", "submitted", "upload", "write_csv"]
