"""Upload: a file validated into the staging table, without holding the write lock (R-C3).

With a :class:`~phonedesk.db.Database`, the upload commits in small steps: the
import record (status *validating*), each batch of staged rows, then the counts
and the final status. Between steps no lock is held, so other writers keep
working while a 100,000-row file validates; only the submit writes profiles.
An import still *validating* cannot be submitted, and one whose upload failed
is removed, so a half-staged file is never applied.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any, BinaryIO

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from phonedesk.bulk.reader import CsvFile, FileRejected
from phonedesk.bulk.staging import Stager
from phonedesk.bulk.units import Units
from phonedesk.db import Database
from phonedesk.models import ImportBatch, ImportRow
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

Progress = Callable[[int, int], None]  # (bytes read, file size)
STAGING = "validating"


def _clean_filename(name: str | None) -> str:
    base = (name or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return (base or "upload.csv")[:200]


def _new_batch(units: Units, filename: str | None) -> tuple[int, str]:
    scope = units.scope
    now = utcnow()
    with units.write() as db:
        _purge(db)
        batch = ImportBatch(
            public_id="imp_" + secrets.token_urlsafe(24), account_id=scope.account_id,
            actor_type=scope.actor.kind, actor_id=scope.actor.id, actor_label=scope.actor.label,
            filename=_clean_filename(filename), status=STAGING, notices=[], file_errors=[],
            row_count=0, new_count=0, changed_count=0, unchanged_count=0, error_count=0,
            created_at=now, expires_at=now + timedelta(hours=scope.settings.import_ttl_hours),
        )
        db.add(batch)
        db.flush()
        return batch.id, batch.public_id


def upload(
    scope: Scope, fileobj: BinaryIO, filename: str | None, *, progress: Progress | None = None,
    database: Database | None = None,
) -> ImportBatch:
    """Validate a file into a new import; nothing else changes (R-C3).

    ``fileobj`` must be a seekable binary file. File-level problems (size,
    encoding, header, row limit) give a *rejected* import whose
    ``file_errors`` say what is wrong, never an exception.

    With ``database``, ``scope`` may be a read-only scope: the upload writes in
    short transactions of its own and ends the scope's read snapshot, so that
    the caller then reads the finished import. Without it, everything happens
    in the caller's transaction (which then holds the write lock throughout).
    """
    units = Units(scope, database)
    batch_id, _ = _new_batch(units, filename)
    source = CsvFile(fileobj, scope.account, max_bytes=scope.settings.import_max_bytes,
                     max_rows=scope.settings.import_max_rows)
    found: dict[str, Any] = {}
    try:
        info = source.open()
        found = {"encoding": info.encoding, "delimiter": info.delimiter,
                 "columns": info.present, "notices": info.notices}
        stager = Stager(units, batch_id, info)
        for row in source.rows():
            stager.add(row)
            if progress is not None and row.number % 5000 == 0:
                progress(source.position(), info.size)
        stager.finish()
        if progress is not None:
            progress(info.size, info.size)
    except FileRejected as exc:
        with units.write() as db:
            db.execute(delete(ImportRow).where(ImportRow.import_id == batch_id))
        found["file_errors"] = [{"column": exc.column, "message": exc.message}]
    except BaseException:
        if database is not None:  # the caller's transaction rolls back by itself
            _remove(units, batch_id)
        raise
    finally:
        source.close()
    _finish(units, batch_id, found)
    if database is not None:
        scope.db.rollback()  # a new snapshot: the caller sees the committed import
    batch = scope.db.get(ImportBatch, batch_id)
    assert batch is not None
    return batch


def _finish(units: Units, batch_id: int, found: dict[str, Any]) -> None:
    """Counts per outcome and the final status, read on a fresh snapshot."""
    counts = dict.fromkeys(OUTCOMES, 0)
    with units.read() as db:
        rows = db.execute(
            select(ImportRow.outcome, func.count())
            .where(ImportRow.import_id == batch_id)
            .group_by(ImportRow.outcome)
        )
        for outcome, n in rows:
            counts[outcome] = n
    rejected = counts[ERROR] or found.get("file_errors")
    with units.write() as db:
        db.execute(
            update(ImportBatch).where(ImportBatch.id == batch_id).values(
                **found, new_count=counts[NEW], changed_count=counts[CHANGED],
                unchanged_count=counts[UNCHANGED], error_count=counts[ERROR],
                row_count=sum(counts.values()), status=REJECTED if rejected else VALIDATED,
            ).execution_options(synchronize_session=False)
        )
    units.scope.db.expire_all()


def _remove(units: Units, batch_id: int) -> None:
    with units.write() as db:
        db.execute(delete(ImportRow).where(ImportRow.import_id == batch_id))
        db.execute(delete(ImportBatch).where(ImportBatch.id == batch_id)
                   .execution_options(synchronize_session=False))


def discard(scope: Scope, import_id: str, *, database: Database | None = None) -> None:
    """Delete an unsubmitted import of this account with its rows (a dry run keeps nothing)."""
    units = Units(scope, database)
    with units.write() as db:
        batch_id = db.scalar(select(ImportBatch.id).where(
            ImportBatch.public_id == import_id, ImportBatch.account_id == scope.account_id,
            ImportBatch.status != APPLIED))
    if batch_id is not None:
        _remove(units, batch_id)


def purge_expired(scope: Scope) -> int:
    """Delete unsubmitted imports past their expiry, with their rows (any account)."""
    return _purge(scope.db)


def _purge(db: Session) -> int:
    expired = select(ImportBatch.id).where(
        ImportBatch.status != APPLIED, ImportBatch.expires_at <= utcnow()
    )
    ids = list(db.scalars(expired))
    if not ids:
        return 0
    db.execute(delete(ImportRow).where(ImportRow.import_id.in_(ids)))
    db.execute(
        delete(ImportBatch).where(ImportBatch.id.in_(ids)).execution_options(
            synchronize_session=False)
    )
    return len(ids)
