"""The *Forgot password* page of both sign-in pages (R-V2): a thin adapter over
:mod:`phonedesk.auth.recovery`, with the sign-in form's double-submit CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from phonedesk.api.deps import get_database, get_settings
from phonedesk.auth import recovery
from phonedesk.auth.pages import TITLES, _client, _form, _form_csrf_ok, _form_token, _render
from phonedesk.auth.web import SIGN_IN_PATHS
from phonedesk.models.web_session import KIND_ADMIN

router = APIRouter(include_in_schema=False)
PATH = "/password/forgot"


def _kind(value: str | None) -> str:
    return value if value in SIGN_IN_PATHS else KIND_ADMIN


def _page(request: Request, kind: str, *, username: str = "", message: str | None = None,
          error: str | None = None, status: int = 200) -> Response:
    token = _form_token(request)
    context = {
        "kind": kind,
        "place": TITLES[kind],
        "action": PATH,
        "username": username,
        "message": message,
        "error": error,
        "form_token": token,
        "sign_in": SIGN_IN_PATHS[kind],
    }
    return _render(request, "auth/forgot.html", context, status=status, form_token=token)


@router.get(PATH)
def forgot_form(request: Request, kind: str | None = None) -> Response:
    return _page(request, _kind(kind))


@router.post(PATH)
async def forgot_submit(request: Request) -> Response:
    fields = await _form(request)
    return await run_in_threadpool(_submit_sync, request, fields)


def _submit_sync(request: Request, fields: dict[str, str]) -> Response:
    kind = _kind(fields.get("kind"))
    username = fields.get("username", "")
    if not _form_csrf_ok(request, fields):
        return _page(request, kind, username=username, status=403,
                     error="This form had expired. Enter your username again.")
    if not username.strip():
        return _page(request, kind, status=422, error="Enter your username.")
    with get_database(request).transaction() as db:
        outcome = recovery.request_reset(db, get_settings(request), username=username,
                                         client_address=_client(request))
    if outcome.retry_after_seconds:
        response = _page(request, kind, username=username, error=outcome.message, status=429)
        response.headers["Retry-After"] = str(outcome.retry_after_seconds)
        return response
    return _page(request, kind, message=outcome.message)
