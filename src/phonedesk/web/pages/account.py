"""Contact Directory, Audit Log, Outgoing Email, API & SCIM Tokens (R-DIR1, R-AU1, R-V1).

Thin pages over :mod:`phonedesk.directory.service`, :mod:`phonedesk.audit.service`,
:mod:`phonedesk.outbox.queue` and :mod:`phonedesk.auth.tokens`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response, StreamingResponse

from phonedesk.audit import service as audit
from phonedesk.auth import tokens
from phonedesk.auth.web import AdminAction, AdminPage
from phonedesk.directory import service as directory
from phonedesk.models.outbox import CHANNELS
from phonedesk.models.token import KIND_API, KIND_SCIM
from phonedesk.outbox import queue
from phonedesk.web.pages.common import FormErrors, attempt, paged, redirect, render

router = APIRouter(prefix="/admin")

PAGE_SIZE = 50
Text = Annotated[str | None, Query(max_length=100)]
ACTION_GROUPS = {
    "": "All changes",
    "profile.": "Profiles",
    "extension.": "Extensions",
    "import.": "CSV uploads",
    "settings.": "Settings",
    "token.": "Tokens",
    "auth.": "Sign-ins",
    "email.": "Email",
    "switch.": "Switch",
}


@router.get("/directory")
def directory_page(request: Request, web: AdminPage,
                   q: Annotated[str | None, Query(max_length=200)] = None,
                   page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    """Active profiles with extensions, common areas included (R-DIR1)."""
    entries, p = paged(lambda limit, offset: directory.search(web.scope, q, limit=limit,
                                                              offset=offset),
                       "/admin/directory", page, PAGE_SIZE, {"q": q})
    return render(request, web, "directory.html", section="directory", entries=entries,
                  q=q or "", pager=p, layout="_admin_layout.html", base="/admin/directory")


def _day(value: str | None, field: str, errors: FormErrors) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        errors.add(field, "Enter a date as YYYY-MM-DD.")
        return None


def _audit_filter(action: str | None, q_target: str | None, target_type: str | None,
                  since: str | None, until: str | None,
                  errors: FormErrors) -> audit.AuditFilter:
    """The page's and the CSV export's filter, read from the same query parameters."""
    start = _day(since, "since", errors)
    end = _day(until, "until", errors)
    return audit.AuditFilter(
        action=action or None,
        target_type=target_type or None,
        target_id=(q_target or "").strip() or None,
        since=start,
        until=end + timedelta(days=1) if end else None,
    )


@router.get("/audit")
def audit_page(request: Request, web: AdminPage, action: Text = None,
               target_id: Text = None, target_type: Text = None, since: Text = None,
               until: Text = None,
               page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    """Who did what and when, newest first (R-AU1)."""
    errors = FormErrors()
    flt = _audit_filter(action, target_id, target_type, since, until, errors)
    params = {"action": action, "target_id": target_id, "target_type": target_type,
              "since": since, "until": until}
    events, p = paged(lambda limit, offset: audit.list_events(web.scope, flt, limit=limit,
                                                              offset=offset),
                      "/admin/audit", page, PAGE_SIZE, params)
    query = "&".join(f"{k}={v}" for k, v in params.items() if v)
    return render(request, web, "admin/audit.html", section="audit", events=events, pager=p,
                  params={k: v or "" for k, v in params.items()}, groups=ACTION_GROUPS,
                  errors=errors, export_query=query, status_code=422 if errors else 200)


@router.get("/audit.csv")
def audit_export(web: AdminPage, action: Text = None, target_id: Text = None,
                 target_type: Text = None, since: Text = None,
                 until: Text = None) -> Response:
    """The filtered log as CSV: the same filter as the page (R-AU1)."""
    errors = FormErrors()
    flt = _audit_filter(action, target_id, target_type, since, until, errors)
    rows = [[e.at.isoformat(), e.actor_label, e.action, e.target_type or "",
             e.target_id or "", e.target_label or "",
             json.dumps(e.before, ensure_ascii=False) if e.before else "",
             json.dumps(e.after, ensure_ascii=False) if e.after else "",
             json.dumps(e.detail, ensure_ascii=False) if e.detail else ""]
            for e in audit.iter_events(web.scope, flt)]

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")
        writer.writerow(["When (UTC)", "Who", "Action", "Target type", "Target ID", "Target",
                         "Before", "After", "Detail"])
        for row in rows:
            writer.writerow([_neutral(v) for v in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    disposition = 'attachment; filename="audit-log.csv"'
    return StreamingResponse(lines(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": disposition})


def _neutral(value: str) -> str:
    """Spreadsheets must not run a cell as a formula (the R-C6 rule, for this export too)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.get("/emails")
def emails_page(request: Request, web: AdminPage,
                status: Annotated[str | None, Query(max_length=10)] = None,
                to: Annotated[str | None, Query(max_length=200)] = None,
                channel: Annotated[str | None, Query(max_length=10)] = None,
                page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    status = status if status in queue.STATUSES else None
    channel = channel if channel in CHANNELS else None
    rows, p = paged(lambda limit, offset: queue.list_outgoing(web.scope, queue.OutgoingQuery(
                        status=status, to=to, channel=channel, limit=limit, offset=offset)),
                    "/admin/emails", page, PAGE_SIZE,
                    {"status": status, "to": to, "channel": channel})
    return render(request, web, "admin/emails.html", section="emails", rows=rows, pager=p,
                  status=status or "", to=to or "", channel=channel or "",
                  statuses=queue.STATUSES, errors=FormErrors())


@router.post("/emails/{email_id}/retry")
def retry_email(email_id: int, web: AdminAction) -> Response:
    queue.retry(web.scope, email_id)
    return redirect("/admin/emails", "The email is queued again and will be sent shortly.")


@router.get("/tokens")
def tokens_page(request: Request, web: AdminPage) -> Response:
    return render(request, web, "admin/tokens.html", section="tokens",
                  rows=tokens.list_tokens(web.scope), values={}, errors=FormErrors(),
                  created=None, secret=None)


@router.post("/tokens")
def create_token(request: Request, web: AdminAction,
                 kind: Annotated[str, Form(max_length=10)] = KIND_API,
                 name: Annotated[str, Form(max_length=1000)] = "") -> Response:
    """Create a token; its secret is shown on this one response and never again."""
    errors = FormErrors()
    if len(name.strip()) > 100:
        errors.add("name", "A token name can be at most 100 characters.")
    result = None
    if not errors:
        result, errors = attempt(web, lambda: tokens.create_token(web.scope, kind=kind,
                                                                  name=name),
                                 known={"kind", "name"})
    created, secret = result if result else (None, None)
    response = render(request, web, "admin/tokens.html", section="tokens",
                      rows=tokens.list_tokens(web.scope),
                      values={"kind": kind, "name": name} if errors else {},
                      errors=errors, created=created, secret=secret,
                      status_code=422 if errors else 200)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{token_id}/revoke")
def revoke_token(token_id: str, web: AdminAction) -> Response:
    token = tokens.revoke_token(web.scope, token_id)
    return redirect("/admin/tokens", f"The token “{token.name}” is revoked; it no longer works.")


__all__ = ["KIND_SCIM"]
