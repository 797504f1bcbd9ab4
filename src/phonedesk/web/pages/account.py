"""Contact Directory, Audit Log, Outgoing Email, API & SCIM Tokens (R-DIR1, R-AU1, R-V1).

Thin pages over :mod:`phonedesk.directory.service`, :mod:`phonedesk.audit.service`,
:mod:`phonedesk.outbox.queue` and :mod:`phonedesk.auth.tokens`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from phonedesk.api.common import streamed_csv
from phonedesk.audit import export
from phonedesk.audit import service as audit
from phonedesk.auth import tokens
from phonedesk.auth.web import AdminAction, AdminPage
from phonedesk.models.outbox import CHANNELS
from phonedesk.models.token import KIND_API, KIND_SCIM
from phonedesk.outbox import queue
from phonedesk.web.pages.common import (
    FormErrors,
    attempt,
    paged,
    redirect,
    render,
    render_directory,
)

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
    return render_directory(request, web, q, page, area="admin")


def _day(value: str | None, field: str, errors: FormErrors, zone: str) -> datetime | None:
    """A day's start in the account's time zone, the zone the page shows times in."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        errors.add(field, "Enter a date as YYYY-MM-DD.")
        return None


def _audit_filter(action: str | None, q_target: str | None, target_type: str | None,
                  since: str | None, until: str | None,
                  errors: FormErrors, about: str | None = None,
                  zone: str = "UTC") -> audit.AuditFilter:
    """The page's and the CSV export's filter, read from the same query parameters."""
    start = _day(since, "since", errors, zone)
    end = _day(until, "until", errors, zone)
    return audit.AuditFilter(
        action=action or None,
        target_type=target_type or None,
        target_id=(q_target or "").strip() or None,
        since=start,
        until=end + timedelta(days=1) if end else None,
        about=(about or "").strip() or None,
    )


@router.get("/audit")
def audit_page(request: Request, web: AdminPage, action: Text = None,
               target_id: Text = None, target_type: Text = None, since: Text = None,
               until: Text = None, about: Text = None,
               page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    """Who did what and when, newest first, in sentences (R-AU1)."""
    errors = FormErrors()
    flt = _audit_filter(action, target_id, target_type, since, until, errors, about,
                        web.scope.account.time_zone)
    params = {"action": action, "target_id": target_id, "target_type": target_type,
              "since": since, "until": until, "about": about}
    events, p = paged(lambda limit, offset: audit.list_events(web.scope, flt, limit=limit,
                                                              offset=offset),
                      "/admin/audit", page, PAGE_SIZE, params)
    query = urlencode({k: v for k, v in params.items() if v})
    return render(request, web, "admin/audit.html", section="audit", events=events, pager=p,
                  names=audit.names_for(web.scope, events),
                  params={k: v or "" for k, v in params.items()}, groups=ACTION_GROUPS,
                  errors=errors, export_query=query, status_code=422 if errors else 200)


@router.get("/audit.csv")
def audit_export(request: Request, web: AdminPage, action: Text = None, target_id: Text = None,
                 target_type: Text = None, since: Text = None,
                 until: Text = None, about: Text = None) -> Response:
    """The filtered log as CSV: the same filter as the page (R-AU1), the same writer as the
    REST export (R-C6): machine codes in their columns, the sentence in the last one."""
    flt = _audit_filter(action, target_id, target_type, since, until, FormErrors(), about,
                        web.scope.account.time_zone)
    return streamed_csv(request, web.scope, "audit-log.csv",
                        lambda own: export.write_csv(own, flt, export.PAGE_LAYOUT))


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
    result, errors = attempt(web, lambda: tokens.create_token(web.scope, kind=kind, name=name),
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
