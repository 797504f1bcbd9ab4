"""Upload CSV Template: Proceed → choose file → Upload → Verify → Submit → result (R-C3–R-C7).

Every step is a call into :mod:`phonedesk.bulk.service`; the preview lives in
its staging table, so the Verify page survives a restart and paging through
100,000 rows reads one page at a time.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from phonedesk.auth.web import AdminAction, AdminPage, WebContext, check_csrf
from phonedesk.bulk import service as bulk
from phonedesk.bulk.columns import column_labels
from phonedesk.errors import PermissionDenied
from phonedesk.models.bulk import APPLIED, CHANGED, ERROR, NEW, REJECTED, UNCHANGED
from phonedesk.web.pages.common import FormErrors, attempt, pager, redirect, render

router = APIRouter(prefix="/admin/imports")

PAGE_SIZE = 50
TABS = ((NEW, "New"), (CHANGED, "Changed"), (UNCHANGED, "Unchanged"), (ERROR, "Errors"))


@router.get("/new")
def start(request: Request, web: AdminPage,
          step: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    """Step 1 explains what happens; Proceed leads to choosing the file."""
    return render(request, web, "admin/import_start.html", section="profiles",
                  step="choose" if step == "choose" else "intro", errors=FormErrors(),
                  max_mb=web.scope.settings.import_max_bytes // (1024 * 1024),
                  max_rows=web.scope.settings.import_max_rows)


@router.post("")
async def upload(request: Request, web: AdminPage,
                 file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Upload and validate; nothing changes yet (R-C3).

    A read session: the upload commits its own small steps, so validating a
    large file never holds the write lock (other writers keep working).
    """
    await check_csrf(request, web.csrf_token)
    if not web.can_write:
        raise PermissionDenied("Read-only administrators cannot make changes.")
    errors = FormErrors()
    if file is None or not file.filename:
        errors.add("file", "Choose a CSV file to upload.")
    else:
        upload_file = file
        batch = await run_in_threadpool(
            lambda: bulk.upload(web.scope, upload_file.file, upload_file.filename,
                                database=request.app.state.database))
        if batch is not None:
            return redirect(f"/admin/imports/{batch.public_id}",
                            htmx=bool(request.headers.get("hx-request")))
    status = 200 if request.headers.get("hx-request") else 422  # HTMX swaps only 2xx
    return render(request, web, "admin/import_start.html", status_code=status, section="profiles",
                  step="choose", errors=errors,
                  max_mb=web.scope.settings.import_max_bytes // (1024 * 1024),
                  max_rows=web.scope.settings.import_max_rows)


@router.get("/{import_id}")
def verify(request: Request, import_id: str, web: AdminPage,
           tab: Annotated[str | None, Query(max_length=12)] = None,
           page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    """Verify: counts, notices, and a tab per outcome with before → after and errors."""
    scope = web.scope
    batch = bulk.get_import(scope, import_id)
    counts = bulk.counts(batch)
    if tab not in dict(TABS):
        tab = ERROR if counts[ERROR] else next((t for t, _ in TABS if counts[t]), NEW)
    p = pager(f"/admin/imports/{import_id}", page, PAGE_SIZE, counts[tab], {"tab": tab})
    rows, _ = bulk.list_rows(scope, batch, outcome=tab, limit=PAGE_SIZE, offset=p.offset)
    labels = column_labels(scope.account)
    return render(request, web, "admin/import_verify.html", section="profiles", batch=batch,
                  counts=counts, tab=tab, tabs=TABS, rows=rows, pager=p, labels=labels,
                  custom=scope.account.custom_labels(), applied=batch.status == APPLIED,
                  rejected=batch.status == REJECTED, errors=FormErrors(),
                  assignments=bulk.assignment_changes(scope, batch))


@router.post("/{import_id}/submit")
def submit(request: Request, import_id: str, web: AdminAction) -> Response:
    """Apply every row in one transaction, once (R-C3)."""
    scope = web.scope
    done, errors = attempt(web, lambda: bulk.submitted(scope, import_id))
    if done is not None and done.sip:
        # New extensions' desk phone passwords are shown on this answer only (never stored).
        return _applied_with_credentials(request, web, done)
    if done is not None:
        c = bulk.counts(done.batch)
        return redirect(f"/admin/imports/{import_id}",
                        f"Submitted: {c[NEW]} new and {c[CHANGED]} changed profiles are saved.")
    batch = bulk.get_import(scope, import_id)
    counts = bulk.counts(batch)
    tab = ERROR if counts[ERROR] else NEW
    p = pager(f"/admin/imports/{import_id}", 1, PAGE_SIZE, counts[tab], {"tab": tab})
    rows, _ = bulk.list_rows(scope, batch, outcome=tab, limit=PAGE_SIZE)
    return render(request, web, "admin/import_verify.html", status_code=409, section="profiles",
                  batch=batch, counts=counts, tab=tab, tabs=TABS, rows=rows, pager=p,
                  labels=column_labels(scope.account),
                  custom=scope.account.custom_labels(), applied=batch.status == APPLIED,
                  rejected=batch.status == REJECTED, errors=errors,
                  assignments=bulk.assignment_changes(scope, batch))


def _applied_with_credentials(request: Request, web: WebContext,
                              done: bulk.Submitted) -> Response:
    scope, batch = web.scope, done.batch
    counts = bulk.counts(batch)
    p = pager(f"/admin/imports/{batch.public_id}", 1, PAGE_SIZE, counts[NEW], {"tab": NEW})
    rows, _ = bulk.list_rows(scope, batch, outcome=NEW, limit=PAGE_SIZE)
    response = render(request, web, "admin/import_verify.html", section="profiles",
                      batch=batch, counts=counts, tab=NEW, tabs=TABS, rows=rows, pager=p,
                      labels=column_labels(scope.account),
                      custom=scope.account.custom_labels(), applied=True, rejected=False,
                      errors=FormErrors(), assignments=bulk.assignment_changes(scope, batch),
                      created_sip=done.sip)
    response.headers["Cache-Control"] = "no-store"
    return response
