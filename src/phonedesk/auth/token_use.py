"""Writing down when an API or SCIM token was last used, after the response.

The request's own session may be read-only (and on SQLite a write transaction holds the
database's write lock), so the resolver only marks the request; this ASGI middleware
notes the use in a short transaction of its own once the response has been sent, at
most once a minute per token. A busy database loses one timestamp, never a request.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from phonedesk.auth import tokens
from phonedesk.db import Database
from phonedesk.models import ApiToken

log = logging.getLogger("phonedesk.tokens")
_STATE_KEY = "token_used"


def mark_used(request: Request, token: ApiToken) -> None:
    """Ask for the use to be noted after the response, if it is due."""
    if tokens.use_is_stale(token):
        setattr(request.state, _STATE_KEY, token.id)


def _note(database: Database, token_id: int) -> None:
    try:
        with database.transaction() as db:
            tokens.note_use(db, token_id)
    except SQLAlchemyError as exc:
        log.warning("could not note a token's last use: %s", type(exc).__name__)


class TokenUseMiddleware:
    def __init__(self, app: ASGIApp, database: Database) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] != "http":
            return
        state: dict[str, Any] = scope.get("state") or {}
        token_id = state.get(_STATE_KEY)
        if token_id is not None:
            await run_in_threadpool(_note, self.database, token_id)
