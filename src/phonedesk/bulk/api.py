"""REST endpoints: CSV template and export, imports (upload → preview → submit)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from phonedesk.api.common import Limit, Offset, streamed_csv
from phonedesk.api.deps import (
    ReadScope,
    ReadSession,
    SettingsDep,
    WriteScope,
    authenticate,
    get_database,
)
from phonedesk.bulk import service
from phonedesk.bulk.schemas import ExtensionCredential, ImportOut, Outcome
from phonedesk.errors import PermissionDenied
from phonedesk.scope import Scope
from phonedesk.switch.schemas import SipCredentialOut

router = APIRouter(tags=["imports"])


def _upload_scope(request: Request, db: ReadSession, settings: SettingsDep) -> Scope:
    """A writer's scope on a read session: the upload commits its own small steps.

    Validation must not hold the write lock (other writers keep working during
    a large upload), so the request does not open a write transaction.
    """
    principal = authenticate(request, db)
    if not principal.can_write:
        raise PermissionDenied("Read-only administrators cannot make changes.")
    return Scope(db=db, account=principal.account, actor=principal.actor, settings=settings)


UploadScope = Annotated[Scope, Depends(_upload_scope)]

def _stream(request: Request, scope: Scope, name: str) -> StreamingResponse:
    """The account's template/export, streamed from a session of its own (R-C2, R-C6)."""
    return streamed_csv(request, scope, name, service.write_csv,
                        headers={"Cache-Control": "no-store"})


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
    return ImportOut.build(batch, views, total, limit, offset,
                           service.assignment_changes(scope, batch))


@router.post("/imports", status_code=201, response_model=ImportOut,
             summary="Upload a CSV file: validates it into a preview; nothing changes yet")
def upload(request: Request, scope: UploadScope,
           file: Annotated[UploadFile, File(description="The CSV file")],
           limit: Limit = 50) -> ImportOut:
    batch = service.upload(scope, file.file, file.filename, database=get_database(request))
    views, total = service.list_rows(scope, batch, limit=limit)
    return ImportOut.build(batch, views, total, limit, 0, service.assignment_changes(scope, batch))


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
    done = service.submitted(scope, import_id)
    views, total = service.list_rows(scope, done.batch, limit=limit)
    out = ImportOut.build(done.batch, views, total, limit, 0,
                          service.assignment_changes(scope, done.batch))
    out.created_extensions = [ExtensionCredential(number=n, sip=SipCredentialOut.build(c))
                              for n, c in done.sip]
    return out
