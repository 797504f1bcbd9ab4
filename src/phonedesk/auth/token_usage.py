"""When each API or SCIM token was last used, kept off the request's path.

Authenticating a token is one indexed lookup of its SHA-256 (see
:mod:`phonedesk.auth.secrets`); writing its last-used time on every request
would turn every read into a write that queues behind other writers. Instead a
request only notes the token in memory, and only when the stored time is more
than a minute old; a background thread of the serving process writes the noted
times every few seconds, with a condition that keeps it to once a minute per
token even when several processes serve.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from fastapi import FastAPI, Request
from sqlalchemy import or_, update

from phonedesk.db import Database
from phonedesk.models import ApiToken
from phonedesk.models.base import utcnow

INTERVAL = timedelta(minutes=1)
FLUSH_SECONDS = 5.0
log = logging.getLogger("phonedesk.tokens")


class TokenUsage:
    """Last-used times noted by requests of this process, not yet written."""

    def __init__(self) -> None:
        self._pending: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def note(self, token: ApiToken, now: datetime | None = None) -> None:
        now = now or utcnow()
        if token.last_used_at is not None and token.last_used_at + INTERVAL > now:
            return
        with self._lock:
            self._pending[token.id] = now

    def flush(self, database: Database) -> int:
        """Write the noted times (at most one a minute per token); how many were noted."""
        with self._lock:
            pending, self._pending = self._pending, {}
        for token_id, used in pending.items():
            with database.transaction() as db:
                db.execute(
                    update(ApiToken)
                    .where(ApiToken.id == token_id,
                           or_(ApiToken.last_used_at.is_(None),
                               ApiToken.last_used_at <= used - INTERVAL))
                    .values(last_used_at=used)
                    .execution_options(synchronize_session=False)
                )
        return len(pending)


def note(request: Request, token: ApiToken) -> None:
    """Note that ``token`` authenticated this request (apps without a recorder skip it)."""
    usage: TokenUsage | None = getattr(request.app.state, "token_usage", None)
    if usage is not None:
        usage.note(token)


@asynccontextmanager
async def token_usage_writer(app: FastAPI) -> AsyncIterator[None]:
    """Writes the app's noted token times in a thread while it serves, and once at the end."""
    usage: TokenUsage = app.state.token_usage
    database: Database = app.state.database
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(FLUSH_SECONDS):
            try:
                usage.flush(database)
            except Exception as exc:  # a busy database must not end the loop
                log.warning("could not record token use: %s", exc.__class__.__name__)

    thread = threading.Thread(target=run, name="phonedesk-token-usage", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        await asyncio.to_thread(thread.join, FLUSH_SECONDS + 5)
        await asyncio.to_thread(usage.flush, database)
