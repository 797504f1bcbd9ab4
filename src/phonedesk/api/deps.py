"""Request-scoped dependencies: the database session, the caller, the scope.

The request owns the transaction: a write request gets a session that commits
after the handler returns successfully and rolls back otherwise; services never
commit. Read requests get a session that never writes (on SQLite a deferred
``BEGIN``, so reads do not queue behind writers).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.errors import PermissionDenied, Unauthenticated
from phonedesk.models import Account, Profile
from phonedesk.scope import Actor, Scope


def get_database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def read_session(request: Request) -> Iterator[Session]:
    with get_database(request).reading() as session:
        yield session


async def write_session(request: Request) -> AsyncIterator[Session]:
    """The request's write unit of work, opened once it is this writer's turn (SQLite:
    the process's writer lane, waited for without holding a handler thread)."""
    database = get_database(request)
    async with database.turn():
        session = database.write_session()
        try:
            yield session
            await run_in_threadpool(session.commit)
        except BaseException:
            await run_in_threadpool(session.rollback)
            raise
        finally:
            await run_in_threadpool(session.close)


ReadSession = Annotated[Session, Depends(read_session, scope="function")]
WriteSession = Annotated[Session, Depends(write_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class Principal:
    """Who is calling: an account plus an actor, and what they may do."""

    account: Account
    actor: Actor
    can_write: bool = True
    profile: Profile | None = None


# The ways a caller can authenticate (an API token, an admin's browser session),
# asked in order; each returns a Principal, or None when the request does not carry
# its credential. ``create_app`` puts the app's list on ``app.state.principal_resolvers``
# (see :mod:`phonedesk.auth.principals`), so no import registers anything.
PrincipalResolver = Callable[[Request, Session], "Principal | None"]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate(request: Request, db: Session) -> Principal:
    resolvers: list[PrincipalResolver] = request.app.state.principal_resolvers
    for resolver in resolvers:
        principal = resolver(request, db)
        if principal is not None:
            return principal
    raise Unauthenticated(
        "Sign in, or send an API token as “Authorization: Bearer <token>”. "
        "Create one with `phonedesk tokens create`."
    )


def _read_scope(request: Request, db: ReadSession, settings: SettingsDep) -> Scope:
    principal = authenticate(request, db)
    return Scope(db=db, account=principal.account, actor=principal.actor, settings=settings)


def _write_scope(request: Request, db: WriteSession, settings: SettingsDep) -> Scope:
    principal = authenticate(request, db)
    if not principal.can_write:
        raise PermissionDenied("Read-only administrators cannot make changes.")
    return Scope(db=db, account=principal.account, actor=principal.actor, settings=settings)


ReadScope = Annotated[Scope, Depends(_read_scope)]
WriteScope = Annotated[Scope, Depends(_write_scope)]
