"""Sign-in, sign-out and password-setup pages (R-V2, R-V3, R-D1).

Thin adapters over :mod:`phonedesk.auth.signin`. The pages that anyone may open
(sign-in, setup) carry a double-submit CSRF token: a random cookie echoed in a
hidden field, which another site can neither read nor set. Pages holding a setup
token in their URL are never cached and never leak it in a Referer header.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from phonedesk.api.deps import get_database, get_settings
from phonedesk.auth import access, setup_cookie, signin
from phonedesk.auth.addresses import client_address
from phonedesk.auth.web import (
    SIGN_IN_PATHS,
    clear_session_cookie,
    current,
    session_tokens,
    set_session_cookie,
)
from phonedesk.errors import ValidationFailed
from phonedesk.models.web_session import KIND_ADMIN, KIND_PORTAL
from phonedesk.text import has_control_characters
from phonedesk.web.templating import templates

router = APIRouter(include_in_schema=False)

FORM_COOKIE = "phonedesk_form"
HOMES = {KIND_ADMIN: "/admin/extensions", KIND_PORTAL: "/portal/extensions"}
TITLES = {KIND_ADMIN: "the Account Manager", KIND_PORTAL: "Virtual Office"}
_FIELD_LIMIT = 1000
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _client(request: Request) -> str | None:
    return client_address(request, get_settings(request).trusted_proxies)


def safe_next(value: str | None, kind: str) -> str:
    """A local path to go to after sign-in; anything else goes home (no open redirect)."""
    text = (value or "").strip()
    parts = urlsplit(text)
    if (
        not text.startswith("/")
        or text.startswith(("//", "/\\"))
        or "\\" in text
        or parts.scheme
        or parts.netloc
        or has_control_characters(text)
        or len(text) > 2000
    ):
        return HOMES[kind]
    return text


def _form_token(request: Request) -> str:
    token = request.cookies.get(FORM_COOKIE, "")
    return token if 20 <= len(token) <= 100 else secrets.token_urlsafe(32)


def _render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    form_token: str | None = None,
) -> Response:
    response = templates.TemplateResponse(
        request, name, context, status_code=status, headers=_NO_STORE
    )
    if form_token is not None:
        response.set_cookie(
            FORM_COOKIE,
            form_token,
            httponly=True,
            samesite="lax",
            secure=get_settings(request).base_url_is_https,
            path="/",
        )
    return response


async def _form(request: Request) -> dict[str, str]:
    """The posted fields as bounded strings (files and oversize values are dropped)."""
    form = await request.form()
    fields: dict[str, str] = {}
    for key, value in form.items():
        if isinstance(value, str) and len(value) <= _FIELD_LIMIT:
            fields[key] = value
    return fields


def _form_csrf_ok(request: Request, fields: dict[str, str]) -> bool:
    cookie = request.cookies.get(FORM_COOKIE, "")
    presented = fields.get("csrf_token", "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), presented.encode())


# --- sign-in and sign-out ----------------------------------------------------------


def _sign_in_page(
    request: Request,
    kind: str,
    *,
    next_path: str,
    username: str = "",
    error: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    token = _form_token(request)
    context = {
        "kind": kind,
        "place": TITLES[kind],
        "action": SIGN_IN_PATHS[kind],
        "next": next_path,
        "username": username,
        "error": error,
        "notice": notice,
        "form_token": token,
        "other_sign_in": SIGN_IN_PATHS[KIND_PORTAL if kind == KIND_ADMIN else KIND_ADMIN],
    }
    return _render(request, "auth/sign_in.html", context, status=status, form_token=token)


_NOTICES = {
    "signed-out": "You have signed out.",
}


def _show_sign_in(request: Request, kind: str) -> Response:
    next_path = safe_next(request.query_params.get("next"), kind)
    with get_database(request).reading() as db:
        if current(request, db, kind) is not None:
            return RedirectResponse(next_path, status_code=303)
    notice = _NOTICES.get(request.query_params.get("notice", ""))
    return _sign_in_page(request, kind, next_path=next_path, notice=notice)


async def _do_sign_in(request: Request, kind: str) -> Response:
    fields = await _form(request)
    # Database work and an argon2 hash: off the event loop, so other requests keep flowing.
    return await run_in_threadpool(_sign_in_sync, request, kind, fields)


def _sign_in_sync(request: Request, kind: str, fields: dict[str, str]) -> Response:
    next_path = safe_next(fields.get("next"), kind)
    username = fields.get("username", "")
    if not _form_csrf_ok(request, fields):
        return _sign_in_page(
            request,
            kind,
            next_path=next_path,
            username=username,
            status=403,
            error="This form had expired. Enter your details again.",
        )
    settings = get_settings(request)
    old_tokens = [token for _, token in session_tokens(request, kind)]
    password = fields.get("password", "")
    database = get_database(request)
    with database.reading() as db:  # the slow hash, outside the write transaction
        check = signin.check_password(
            db, username=username, password=password, client_address=_client(request)
        )
    with database.transaction() as db:
        for old_token in old_tokens:
            signin.sessions.end(db, old_token)  # a new session id at every sign-in
        outcome = signin.sign_in(
            db,
            settings,
            kind=kind,
            username=username,
            password=password,
            client_address=_client(request),
            user_agent=request.headers.get("user-agent"),
            check=check,
        )
    if not outcome.ok:
        response = _sign_in_page(
            request,
            kind,
            next_path=next_path,
            username=username,
            error=outcome.message,
            status=429 if outcome.retry_after_seconds else 401,
        )
        if outcome.retry_after_seconds:
            response.headers["Retry-After"] = str(outcome.retry_after_seconds)
        return response
    assert outcome.token is not None
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, kind, outcome.token, settings)
    for other in SIGN_IN_PATHS:
        if other != kind:
            clear_session_cookie(response, other, settings)  # the old session just ended
    return response


async def _do_sign_out(request: Request, kind: str) -> Response:
    fields = await _form(request)
    return await run_in_threadpool(_sign_out_sync, request, kind, fields)


def _sign_out_sync(request: Request, kind: str, fields: dict[str, str]) -> Response:
    """One sign-out for both sides, as one sign-in serves both (R-V2)."""
    settings = get_settings(request)
    tokens = session_tokens(request, kind)
    target = SIGN_IN_PATHS[kind] + "?notice=signed-out"
    if tokens:
        with get_database(request).transaction() as db:
            active = current(request, db, kind)
            presented = fields.get("csrf_token") or request.headers.get("x-csrf-token", "")
            if active is not None and not hmac.compare_digest(
                active.session.csrf_token.encode(), presented.encode()
            ):
                return _render(
                    request,
                    "auth/problem.html",
                    {
                        "title": "Sign-out did not work",
                        "message": "This form had expired. Reload the page and sign out again.",
                        "links": [(HOMES[kind], "Back")],
                    },
                    status=403,
                )
            for made_on, token in tokens:
                signin.sign_out(db, settings, token, kind=made_on)
    response = RedirectResponse(target, status_code=303)
    for made_on in SIGN_IN_PATHS:
        clear_session_cookie(response, made_on, settings)
    return response


@router.get("/sign-in")
def admin_sign_in_form(request: Request) -> Response:
    return _show_sign_in(request, KIND_ADMIN)


@router.post("/sign-in")
async def admin_sign_in(request: Request) -> Response:
    return await _do_sign_in(request, KIND_ADMIN)


@router.post("/sign-out")
async def admin_sign_out(request: Request) -> Response:
    return await _do_sign_out(request, KIND_ADMIN)


@router.get("/portal/sign-in")
def portal_sign_in_form(request: Request) -> Response:
    return _show_sign_in(request, KIND_PORTAL)


@router.post("/portal/sign-in")
async def portal_sign_in(request: Request) -> Response:
    return await _do_sign_in(request, KIND_PORTAL)


@router.post("/portal/sign-out")
async def portal_sign_out(request: Request) -> Response:
    return await _do_sign_out(request, KIND_PORTAL)


# --- password setup ------------------------------------------------------------------


def _link_problem(request: Request, exc: signin.SetupLinkInvalid) -> Response:
    return _render(
        request,
        "auth/setup_invalid.html",
        {
            "message": exc.message,
            "reason": exc.reason,
        },
        status=404 if exc.reason == "unknown" else 410,
    )


def _setup_form(
    request: Request,
    info: signin.LinkInfo,
    token: str,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    form_token = _form_token(request)
    return _render(
        request,
        "auth/setup_form.html",
        {
            "username": info.profile.username,
            "first_name": info.profile.first_name,
            "account_name": info.account.name,
            "errors": errors or {},
            "form_token": form_token,
            "min_length": signin.passwords.MIN_LENGTH,
            "max_length": signin.passwords.MAX_LENGTH,
        },
        status=status,
        form_token=form_token,
    )


@router.get("/password/setup/{token}")
def setup_link(request: Request, token: str, step: str | None = None) -> Response:
    """The emailed link: its token is traded for a cookie before anything else happens."""
    return setup_cookie.trade(token, get_settings(request), step)


@router.get("/password/setup")
def setup_page(request: Request, step: str | None = None) -> Response:
    """First a confirmation (a link scanner's GET consumes nothing), then the form."""
    token = setup_cookie.token_of(request)
    with get_database(request).reading() as db:
        try:
            info = signin.inspect_link(db, token)
        except signin.SetupLinkInvalid as exc:
            return _link_problem(request, exc)
        if step == "password":
            return _setup_form(request, info, token)
        return _render(
            request,
            "auth/setup_confirm.html",
            {
                "username": info.profile.username,
                "first_name": info.profile.first_name,
                "account_name": info.account.name,
            },
        )


@router.post("/password/setup")
async def setup_submit(request: Request) -> Response:
    fields = await _form(request)
    token = setup_cookie.token_of(request)
    return await run_in_threadpool(_setup_submit_sync, request, token, fields)


def _setup_submit_sync(request: Request, token: str, fields: dict[str, str]) -> Response:
    settings = get_settings(request)
    database = get_database(request)
    if not _form_csrf_ok(request, fields):
        with database.reading() as db:
            try:
                info = signin.inspect_link(db, token)
            except signin.SetupLinkInvalid as exc:
                return _link_problem(request, exc)
            return _setup_form(
                request,
                info,
                token,
                status=403,
                errors={"form": "This form had expired. Enter your new password again."},
            )
    password, confirm = fields.get("password", ""), fields.get("password_confirm", "")
    try:
        with database.reading() as db:  # the slow hash, outside the write transaction
            prepared = signin.prepare_password(db, token=token, password=password,
                                               confirm=confirm)
        with database.transaction() as db:
            profile = signin.set_password_with_link(
                db, settings, token=token, password=password, confirm=confirm,
                prepared=prepared,
            )
            account = signin.inspect_account(db, profile)
            is_admin = access.is_admin(account, profile)
            username = profile.username
    except signin.SetupLinkInvalid as exc:
        return _link_problem(request, exc)
    except ValidationFailed as exc:
        with database.reading() as db:
            try:
                link = signin.inspect_link(db, token)
            except signin.SetupLinkInvalid as invalid:
                return _link_problem(request, invalid)
            return _setup_form(
                request, link, token, status=422, errors={exc.field or "password": exc.message}
            )
    done = _render(
        request,
        "auth/setup_done.html",
        {
            "username": username,
            "portal_sign_in": SIGN_IN_PATHS[KIND_PORTAL],
            "admin_sign_in": SIGN_IN_PATHS[KIND_ADMIN] if is_admin else None,
        },
    )
    return setup_cookie.forget(done, settings)
