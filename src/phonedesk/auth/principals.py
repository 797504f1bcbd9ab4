"""Who is calling the REST API: the resolvers ``create_app`` gives each app.

An API token (``Authorization: Bearer``) is asked first, then a signed-in
administrator's browser session. They live on ``app.state.principal_resolvers``,
set by :func:`install`, rather than in a list that importing a module appends to:
every app built in one process has its own.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from sqlalchemy.orm import Session

from phonedesk.api.deps import Principal, PrincipalResolver, bearer_token
from phonedesk.auth import access, token_usage, tokens
from phonedesk.auth.web import actor_for, check_csrf_header, current
from phonedesk.models.token import KIND_API
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.scope import Actor


def api_token_principal(request: Request, db: Session) -> Principal | None:
    """An account's API token (R-AC1: the token decides the account)."""
    secret = bearer_token(request)
    if secret is None:
        return None
    token, account = tokens.authenticate(db, secret, kind=KIND_API)
    token_usage.note(request, token)
    return Principal(
        account=account,
        actor=Actor(kind="api_token", id=token.public_id, label=f"API token “{token.name}”"),
    )


def admin_session_principal(request: Request, db: Session) -> Principal | None:
    """Lets a signed-in administrator's browser call the REST API.

    CSRF for these calls is enforced by requiring the ``X-CSRF-Token`` header on
    unsafe methods, which a cross-site form cannot set.
    """
    active = current(request, db, KIND_ADMIN)
    if active is None:
        return None
    check_csrf_header(request, active.session.csrf_token)
    return Principal(
        account=active.account,
        actor=actor_for(active),
        can_write=access.admin_can_write(active.account, active.profile),
        profile=active.profile,
    )


def install(app: FastAPI) -> None:
    """Give ``app`` its own list of resolvers, asked in this order."""
    resolvers: list[PrincipalResolver] = [api_token_principal, admin_session_principal]
    app.state.principal_resolvers = resolvers
