"""The audit log as CSV (R-AU1, R-C6): one writer for the REST export and the Audit Log page.

Events are read from the database in batches and written as they arrive, so an
export of any size holds one batch in memory. Every cell is neutralised as the
profile export's are (R-C6): the log quotes what people typed, names included.
The two exports differ only in their header row and BOM (:class:`Layout`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from phonedesk.audit import sentences
from phonedesk.audit.service import AuditFilter, filtered, names_for
from phonedesk.models import AuditEvent
from phonedesk.scope import Scope
from phonedesk.spreadsheet import CsvChunks

BATCH = 1000


@dataclass(frozen=True)
class Layout:
    """The header row and whether a BOM goes first (Excel reads UTF-8 only with one)."""

    header: tuple[str, ...]
    bom: bool
    sentences: bool = False  # a last column with what happened, in words


# Scripts read the REST export's machine names; people open the page's in Excel.
API_LAYOUT = Layout(("at", "actor", "action", "target_type", "target_id", "target", "before",
                     "after", "detail"), bom=False)
PAGE_LAYOUT = Layout(("When (UTC)", "Who", "Action", "Target type", "Target ID", "Target",
                      "Before", "After", "Detail", "What happened"), bom=True, sentences=True)

_COLUMNS = (AuditEvent.at, AuditEvent.actor_label, AuditEvent.action, AuditEvent.target_type,
            AuditEvent.target_id, AuditEvent.target_label, AuditEvent.before, AuditEvent.after,
            AuditEvent.detail)


def _json(value: dict[str, Any] | None) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""


@dataclass(frozen=True)
class _Event:
    """A selected row as :mod:`phonedesk.audit.sentences` reads events."""

    actor_label: str
    action: str
    target_type: str | None
    target_id: str | None
    target_label: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any] | None


def _event(row: Sequence[Any]) -> _Event:
    return _Event(*row[1:])


def _cells(row: Sequence[Any]) -> list[str]:
    at, actor, action, target_type, target_id, target, before, after, detail = row
    return [at.isoformat(), actor, action, target_type or "", target_id or "", target or "",
            _json(before), _json(after), _json(detail)]


def write_csv(scope: Scope, flt: AuditFilter, layout: Layout, *,
              batch: int = BATCH) -> Iterator[bytes]:
    """The events ``flt`` selects, newest first, as UTF-8 CSV chunks of ``batch`` rows."""
    out = CsvChunks(bom=layout.bom)
    yield out.write([layout.header])
    stmt = (
        filtered(scope, flt, select(*_COLUMNS))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .execution_options(yield_per=batch)
    )
    for partition in scope.db.execute(stmt).partitions(batch):
        if not layout.sentences:
            yield out.write(_cells(row) for row in partition)
            continue
        events = [_event(row) for row in partition]
        names = names_for(scope, events)
        yield out.write([*_cells(row), " ".join(f"{line}." for line in
                                               sentences.describe(event, names))]
                        for row, event in zip(partition, events, strict=True))
