"""REST endpoints for the audit log (R-AU1): read and export."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from phonedesk.api.common import Limit, Offset, Page
from phonedesk.api.deps import ReadScope
from phonedesk.audit import service
from phonedesk.models import AuditEvent

router = APIRouter(tags=["audit"])

Filter = Annotated[str | None, Query(max_length=100)]


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor_type: str
    actor_id: str | None
    actor_label: str
    action: str
    target_type: str | None
    target_id: str | None
    target_label: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any] | None

    @classmethod
    def build(cls, event: AuditEvent) -> AuditEventOut:
        return cls.model_validate(event, from_attributes=True)


def _filter(action: str | None, target_type: str | None, target_id: str | None,
            actor_id: str | None, since: datetime | None,
            until: datetime | None) -> service.AuditFilter:
    return service.AuditFilter(action=action, target_type=target_type, target_id=target_id,
                               actor_id=actor_id, since=since, until=until)


@router.get("/audit-events", response_model=Page[AuditEventOut],
            summary="Audit events, newest first")
def list_events(
    scope: ReadScope,
    action: Filter = None,
    target_type: Filter = None,
    target_id: Filter = None,
    actor_id: Filter = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditEventOut]:
    flt = _filter(action, target_type, target_id, actor_id, since, until)
    rows, total = service.list_events(scope, flt, limit=limit, offset=offset)
    return Page[AuditEventOut](items=[AuditEventOut.build(e) for e in rows], total=total,
                               limit=limit, offset=offset)


EXPORT_COLUMNS = ["at", "actor", "action", "target_type", "target_id", "target", "before",
                  "after", "detail"]


@router.get("/audit-events.csv", summary="Export audit events as CSV",
            response_class=StreamingResponse)
def export_events(
    scope: ReadScope,
    action: Filter = None,
    target_type: Filter = None,
    target_id: Filter = None,
    actor_id: Filter = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    flt = _filter(action, target_type, target_id, actor_id, since, until)
    # Read every row now, while the request's session is open; stream the text.
    events = [AuditEventOut.build(e) for e in service.iter_events(scope, flt)]

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for e in events:
            writer.writerow([
                e.at.isoformat(), e.actor_label, e.action, e.target_type or "",
                e.target_id or "", e.target_label or "",
                json.dumps(e.before, ensure_ascii=False) if e.before else "",
                json.dumps(e.after, ensure_ascii=False) if e.after else "",
                json.dumps(e.detail, ensure_ascii=False) if e.detail else "",
            ])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return StreamingResponse(
        lines(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
