"""Browser sessions over HTTP: cookies, CSRF and the page dependencies.

One sign-in serves the Account Manager and the portal (R-V2): the session's cookie
is named after the page it was made on, and either cookie is accepted on both
sides, each side re-checking on every request that the profile may use it. Cookies are
``HttpOnly``, ``SameSite=Lax`` and ``Secure`` whenever the base URL is https.
Every state-changing request made with a session must carry the session's CSRF
token (form field ``csrf_token`` or header ``X-CSRF-Token``).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from phonedesk.api.deps import ReadSession, SettingsDep, WriteSession
from phonedesk.auth import access, sessions, signin
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.errors import Busy, PermissionDenied
from phonedesk.models.web_session import KIND_ADMIN, KIND_PORTAL
from phonedesk.scope import Actor, Scope

COOKIES = {KIND_ADMIN: "phonedesk_admin", KIND_PORTAL: "phonedesk_portal"}
SIGN_IN_PATHS = {KIND_ADMIN: "/sign-in", KIND_PORTAL: "/portal/sign-in"}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to sign-in."""

    def __init__(self, kind: str, next_path: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.next_path = next_path


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


def set_session_cookie(response: Response, kind: str, token: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIES[kind],
        token,
        max_age=int(sessions.ABSOLUTE_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.base_url_is_https,
        path="/",
    )


def clear_session_cookie(response: Response, kind: str, settings: Settings) -> None:
    response.delete_cookie(COOKIES[kind], path="/", httponly=True, samesite="lax",
                           secure=settings.base_url_is_https)


def session_token(request: Request, kind: str) -> str | None:
    return request.cookies.get(COOKIES[kind]) or None


def session_tokens(request: Request, kind: str) -> list[tuple[str, str]]:
    """Every session cookie the request carries, as (kind made on, value), ``kind``'s first."""
    order = [kind] + [other for other in COOKIES if other != kind]
    found = [(name, session_token(request, name)) for name in order]
    return [(name, token) for name, token in found if token]


def _allowed(db: Session, kind: str, active: sessions.ActiveSession) -> bool:
    if kind == KIND_ADMIN:
        return access.may_use_admin(active.account, active.profile)
    return access.may_use_portal(db, active.account, active.profile)


def current(request: Request, db: Session, kind: str) -> sessions.ActiveSession | None:
    """The request's live session that may use ``kind`` now, or None.

    A session made on the other sign-in page counts too (R-V2: one sign-in), so a
    profile that may use both moves between them without signing in again. A read
    counts as activity for the idle sign-out (see :func:`_note_reading`).
    """
    for made_on, token in session_tokens(request, kind):
        active = sessions.lookup(db, token, kind=made_on)
        if active is not None and _allowed(db, kind, active):
            if request.method in SAFE_METHODS and sessions.touch_due(active.session):
                _note_reading(request, active)
            return active
    return None


def may_switch(db: Session, active: sessions.ActiveSession, kind: str) -> bool:
    """Whether the signed-in profile may also use ``kind`` (for the header's link)."""
    return _allowed(db, kind, active)


def _note_reading(request: Request, active: sessions.ActiveSession) -> None:
    """Reading is activity too: the idle sign-out must not catch someone who only reads.

    A read request's session cannot write, so the once-a-minute touch gets a short
    transaction of its own; when writers are queued it is simply skipped this time.
    """
    database: Database = request.app.state.database
    try:
        with database.transaction() as db:
            sessions.touch(db, active.session)
    except Busy:
        return


async def check_csrf(request: Request, expected: str) -> None:
    """Refuse a state-changing request without the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get("x-csrf-token")
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            presented = value if isinstance(value, str) else None
    if not presented or not hmac.compare_digest(presented.encode(), expected.encode()):
        raise CsrfFailed("This form has expired. Reload the page and try again.")


def check_csrf_header(request: Request, expected: str) -> None:
    """Refuse an unsafe REST call made with a browser session but no ``X-CSRF-Token`` header.

    A cross-site form cannot set a header, so the header alone proves the call is ours.
    Compared as bytes: a header with non-ASCII characters is a wrong token, not an error.
    """
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get("x-csrf-token", "")
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise CsrfFailed("Missing or wrong X-CSRF-Token header.")


def actor_for(active: sessions.ActiveSession) -> Actor:
    return signin.profile_actor(active.profile)


@dataclass
class WebContext:
    """What a page handler needs: the scope, who is signed in, the CSRF token."""

    scope: Scope
    active: sessions.ActiveSession
    csrf_token: str
    can_write: bool


async def _context(request: Request, db: Session, settings: Settings, kind: str,
                   write: bool) -> WebContext:
    active = current(request, db, kind)
    if active is None:
        path = request.url.path
        if request.url.query:
            path += "?" + request.url.query
        raise SignInRequired(kind, path)
    can_write = (access.admin_can_write(active.account, active.profile)
                 if kind == KIND_ADMIN else True)
    if write:
        await check_csrf(request, active.session.csrf_token)
        if not can_write:
            raise PermissionDenied("Read-only administrators cannot make changes.")
        sessions.touch(db, active.session)
    scope = Scope(db=db, account=active.account, actor=actor_for(active), settings=settings)
    return WebContext(scope=scope, active=active, csrf_token=active.session.csrf_token,
                      can_write=can_write)


async def _admin_reader(request: Request, db: ReadSession, settings: SettingsDep) -> WebContext:
    return await _context(request, db, settings, KIND_ADMIN, write=False)


async def _admin_writer(request: Request, db: WriteSession, settings: SettingsDep) -> WebContext:
    return await _context(request, db, settings, KIND_ADMIN, write=True)


async def _portal_reader(request: Request, db: ReadSession, settings: SettingsDep) -> WebContext:
    return await _context(request, db, settings, KIND_PORTAL, write=False)


async def _portal_writer(request: Request, db: WriteSession, settings: SettingsDep
                         ) -> WebContext:
    return await _context(request, db, settings, KIND_PORTAL, write=True)


AdminPage = Annotated[WebContext, Depends(_admin_reader)]
AdminAction = Annotated[WebContext, Depends(_admin_writer)]
PortalPage = Annotated[WebContext, Depends(_portal_reader)]
PortalAction = Annotated[WebContext, Depends(_portal_writer)]
