"""REST endpoints for the audit log (R-AU1): read and export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from phonedesk.api.common import DateTimeQuery, Limit, Offset, Page, streamed_csv
from phonedesk.api.deps import ReadScope
from phonedesk.audit import export, service
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


def _filter(
    action: Filter = None,
    target_type: Filter = None,
    target_id: Filter = None,
    actor_id: Filter = None,
    since: Annotated[DateTimeQuery | None, Query(
        description="Events at or after this date-time (RFC 3339)")] = None,
    until: Annotated[DateTimeQuery | None, Query(
        description="Events before this date-time (RFC 3339)")] = None,
) -> service.AuditFilter:
    """The filter both the list and the export read from the same query parameters."""
    return service.AuditFilter(action=action, target_type=target_type, target_id=target_id,
                               actor_id=actor_id, since=since, until=until)


EventFilter = Annotated[service.AuditFilter, Depends(_filter)]


@router.get("/audit-events", response_model=Page[AuditEventOut],
            summary="Audit events, newest first")
def list_events(scope: ReadScope, flt: EventFilter, limit: Limit = 50,
                offset: Offset = 0) -> Page[AuditEventOut]:
    rows, total = service.list_events(scope, flt, limit=limit, offset=offset)
    return Page[AuditEventOut](items=[AuditEventOut.build(e) for e in rows], total=total,
                               limit=limit, offset=offset)


@router.get("/audit-events.csv", summary="Export audit events as CSV",
            response_class=StreamingResponse)
def export_events(request: Request, scope: ReadScope, flt: EventFilter) -> StreamingResponse:
    """Streamed from the database in batches; cells are neutralised for spreadsheets (R-C6)."""
    return streamed_csv(request, scope, "audit-log.csv",
                        lambda own: export.write_csv(own, flt, export.API_LAYOUT))
