"""REST endpoints: CSV template and export, imports (upload → preview → submit)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from phonedesk.api.common import Limit, Offset
from phonedesk.api.deps import ReadScope, WriteScope, get_database
from phonedesk.bulk import service
from phonedesk.bulk.schemas import ImportOut, Outcome
from phonedesk.scope import Scope

router = APIRouter(tags=["imports"])

_CSV = "text/csv; charset=utf-8"


def _stream(request: Request, scope: Scope, name: str) -> StreamingResponse:
    """Stream the account's CSV from a session of its own.

    The request's session closes when the handler returns, before the body is
    sent, so the generator reads through a fresh read-only session.
    """
    database = get_database(request)
    account_id, actor, settings = scope.account_id, scope.actor, scope.settings

    def body() -> Iterator[bytes]:
        yield from service.stream_csv(database, account_id=account_id, actor=actor,
                                      settings=settings)

    return StreamingResponse(
        body(), media_type=_CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )


@router.get("/profiles/template.csv", response_class=StreamingResponse,
            summary="Download the CSV template: headers plus one row per profile",
            responses={200: {"content": {"text/csv": {}}}})
def template_csv(request: Request, scope: ReadScope) -> StreamingResponse:
    return _stream(request, scope, "profiles-template.csv")


@router.get("/profiles/export.csv", response_class=StreamingResponse,
            summary="Export every profile as CSV (same columns as the template)",
            responses={200: {"content": {"text/csv": {}}}})
def export_csv(request: Request, scope: ReadScope) -> StreamingResponse:
    return _stream(request, scope, "profiles-export.csv")


def _out(scope: Scope, import_id: str, outcome: str | None, limit: int,
         offset: int) -> ImportOut:
    batch = service.get_import(scope, import_id)
    views, total = service.list_rows(scope, batch, outcome=outcome, limit=limit, offset=offset)
    return ImportOut.build(batch, views, total, limit, offset)


@router.post("/imports", status_code=201, response_model=ImportOut,
             summary="Upload a CSV file: validates it into a preview; nothing changes yet")
def upload(scope: WriteScope, file: Annotated[UploadFile, File(description="The CSV file")],
           limit: Limit = 50) -> ImportOut:
    batch = service.upload(scope, file.file, file.filename)
    views, total = service.list_rows(scope, batch, limit=limit)
    return ImportOut.build(batch, views, total, limit, 0)


@router.get("/imports/{import_id}", response_model=ImportOut,
            summary="Preview an import: counts, notices and its rows, paged")
def read_import(
    import_id: str, scope: ReadScope,
    outcome: Annotated[Outcome | None, Query(description="Only rows with this outcome")] = None,
    limit: Limit = 50, offset: Offset = 0,
) -> ImportOut:
    return _out(scope, import_id, outcome, limit, offset)


@router.post("/imports/{import_id}/submit", response_model=ImportOut,
             summary="Apply a validated import, all rows in one transaction")
def submit(import_id: str, scope: WriteScope, limit: Limit = 50) -> ImportOut:
    batch = service.submit(scope, import_id)
    views, total = service.list_rows(scope, batch, limit=limit)
    return ImportOut.build(batch, views, total, limit, 0)
