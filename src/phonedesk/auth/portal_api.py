"""The REST caller behind a signed-in Virtual Office browser (R-V2).

Portal users call a few ``/api/v1/portal/…`` endpoints from their browser with
the portal session cookie. Access is re-checked on every request like the pages
do, and unsafe methods must carry the session's ``X-CSRF-Token`` header, which a
cross-site form cannot set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from phonedesk.api.deps import ReadSession, SettingsDep, WriteSession
from phonedesk.auth import sessions
from phonedesk.auth.web import SAFE_METHODS, actor_for, check_csrf_header, current
from phonedesk.config import Settings
from phonedesk.errors import Unauthenticated
from phonedesk.models import Profile
from phonedesk.models.web_session import KIND_PORTAL
from phonedesk.scope import Scope


@dataclass(frozen=True)
class PortalUser:
    scope: Scope
    profile: Profile


def _resolve(request: Request, db: Session, settings: Settings) -> PortalUser:
    active = current(request, db, KIND_PORTAL)
    if active is None:
        raise Unauthenticated("Sign in to Virtual Office first.", code="portal_sign_in_required")
    check_csrf_header(request, active.session.csrf_token)
    if request.method not in SAFE_METHODS:
        sessions.touch(db, active.session)
    scope = Scope(db=db, account=active.account, actor=actor_for(active), settings=settings)
    return PortalUser(scope=scope, profile=active.profile)


def _reader(request: Request, db: ReadSession, settings: SettingsDep) -> PortalUser:
    return _resolve(request, db, settings)


def _writer(request: Request, db: WriteSession, settings: SettingsDep) -> PortalUser:
    return _resolve(request, db, settings)


PortalReader = Annotated[PortalUser, Depends(_reader)]
PortalWriter = Annotated[PortalUser, Depends(_writer)]
