"""The outbox worker: claim, send, record (DESIGN §3, R-V1, R-M1).

A claim is a lease: the worker marks a batch of due rows with ``lease_until``
in one short transaction, commits, sends them, and records each outcome in its
own transaction. A worker that dies mid-batch leaves its unsent rows leased;
once the lease runs out another worker claims them again, so a crash can cause
a duplicate but never a loss. On PostgreSQL the claim uses
``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint rows; on SQLite
the claim runs in a ``BEGIN IMMEDIATE`` transaction, which serialises claims.

The lease value itself fences the outcome: a worker records a result only while
the row still carries its own lease, so a slow worker whose lease expired cannot
overwrite the result of the one that took over.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from phonedesk.models.base import utcnow
from phonedesk.models.outbox import FAILED, PENDING, SENT
from phonedesk.outbox.smtp import DeliveryError, Outgoing, Transport, compose, transport_for

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("phonedesk.outbox")


@dataclass(frozen=True)
class Claimed:
    item: Outgoing
    attempts: int
    lease: datetime


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0


def backoff_seconds(settings: Settings, attempts: int) -> float:
    """Capped exponential backoff: base, 2×base, 4×base … up to the cap."""
    exponent = max(0, attempts - 1)
    if exponent > 60:
        return settings.outbox_backoff_max_seconds
    return min(
        settings.outbox_backoff_max_seconds, settings.outbox_backoff_base_seconds * 2**exponent
    )


class OutboxWorker:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        transport_factory: Callable[[Settings], Transport] = transport_for,
    ) -> None:
        self.database = database
        self.settings = settings
        self.transport_factory = transport_factory

    # --- claiming -------------------------------------------------------------

    def claim(self, limit: int | None = None) -> list[Claimed]:
        """Lease up to ``limit`` due rows to this worker and commit the lease."""
        now = utcnow()
        lease = now + timedelta(seconds=self.settings.outbox_lease_seconds)
        stmt = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit or self.settings.outbox_batch_size)
        )
        if not self.database.sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        claimed: list[Claimed] = []
        with self.database.transaction() as db:
            for row in db.scalars(stmt):
                row.lease_until = lease
                row.attempts += 1
                claimed.append(
                    Claimed(
                        item=Outgoing(
                            id=row.id,
                            to_address=row.to_address,
                            subject=row.subject,
                            body_text=row.body_text,
                            body_html=row.body_html,
                            message_id=row.message_id,
                            attachments=list(row.attachments or []),
                            created_at=row.created_at,
                        ),
                        attempts=row.attempts,
                        lease=lease,
                    )
                )
        return claimed

    # --- recording outcomes ---------------------------------------------------------

    def _record(self, claimed: Claimed, **values: object) -> None:
        with self.database.transaction() as db:
            if not self.database.sqlite:
                # Losing this write in a database crash can only cause a duplicate (the row
                # is claimed again), never a loss, so it need not wait for its WAL flush.
                db.execute(text("SET LOCAL synchronous_commit TO OFF"))
            db.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == claimed.item.id, OutboxMessage.lease_until == claimed.lease
                )
                .values(lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    def _sent(self, claimed: Claimed) -> None:
        self._record(claimed, status=SENT, sent_at=utcnow(), last_error=None)

    def _failed(self, claimed: Claimed, error: DeliveryError) -> str:
        message = str(error)[:2000]
        if error.permanent or claimed.attempts >= self.settings.outbox_max_attempts:
            if not error.permanent:
                message = f"gave up after {claimed.attempts} attempts: {message}"
            self._record(claimed, status=FAILED, last_error=message)
            log.warning("outbox message %s failed: %s", claimed.item.id, message)
            return FAILED
        delay = backoff_seconds(self.settings, claimed.attempts)
        self._record(
            claimed, next_attempt_at=utcnow() + timedelta(seconds=delay), last_error=message
        )
        log.info("outbox message %s will be retried in %.1fs: %s", claimed.item.id, delay, message)
        return PENDING

    # --- the loop ---------------------------------------------------------------------

    def run_once(self, stop: threading.Event | None = None) -> BatchResult:
        """Claim one batch and deliver it."""
        result = BatchResult()
        batch = self.claim()
        result.claimed = len(batch)
        if not batch:
            return result
        with self.transport_factory(self.settings) as transport:
            for claimed in batch:
                if stop is not None and stop.is_set():
                    break  # the rest comes back when the lease runs out
                try:
                    transport.send(compose(claimed.item, self.settings), claimed.item.to_address)
                except DeliveryError as error:
                    if self._failed(claimed, error) == FAILED:
                        result.failed += 1
                    else:
                        result.retried += 1
                    continue
                self._sent(claimed)
                result.sent += 1
        return result

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        """Deliver until ``stop`` is set (or, with ``until_idle``, until nothing is due)."""
        while not stop.is_set():
            try:
                result = self.run_once(stop)
            except SQLAlchemyError as exc:
                # The database is unreachable or busy: wait and try again.
                log.warning("outbox worker cannot reach the database: %s", exc)
                stop.wait(self.settings.outbox_poll_seconds)
                continue
            if result.claimed == 0:
                if until_idle:
                    return
                stop.wait(self.settings.outbox_poll_seconds)


@asynccontextmanager
async def in_process_worker(app: FastAPI) -> AsyncIterator[None]:
    """Runs the worker in a thread while ``phonedesk serve`` serves (if configured)."""
    settings: Settings = app.state.settings
    if not settings.outbox_worker_in_process:
        yield
        return
    stop = threading.Event()
    worker = OutboxWorker(app.state.database, settings)
    thread = threading.Thread(target=worker.run, args=(stop,), name="phonedesk-outbox", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        await asyncio.to_thread(thread.join, settings.smtp_timeout_seconds + 5)
