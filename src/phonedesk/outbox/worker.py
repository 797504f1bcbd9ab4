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

Each row names its channel: an email (SMTP or ``.eml`` files) or a switch action
(Kamailio's JSON-RPC, R-SW7); both share the lease, the backoff and the failed
state admins see. One bad row never stops the worker (DESIGN §3): whatever goes
wrong while building or sending it parks that row as failed with the reason,
and the worker goes on with the next; a channel that cannot be opened (SMTP or
Kamailio unreachable) is a temporary failure of its rows, retried with backoff.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import SQLAlchemyError

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from phonedesk.models.base import utcnow
from phonedesk.models.outbox import EMAIL, FAILED, PENDING, SENT, SWITCH
from phonedesk.outbox import sealing
from phonedesk.outbox.smtp import DeliveryError, Outgoing, Transport, compose, transport_for
from phonedesk.switch.rpc import SwitchTransport

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger("phonedesk.outbox")


@dataclass(frozen=True)
class Claimed:
    item: Outgoing
    attempts: int
    lease: datetime


Deliver = Callable[[Outgoing], None]


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
        switch_factory: Callable[[Settings], SwitchTransport] = SwitchTransport,
    ) -> None:
        self.database = database
        self.settings = settings
        self.transport_factory = transport_factory
        self.switch_factory = switch_factory

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
                            attachments=row.attachments,
                            created_at=row.created_at,
                            channel=row.channel,
                            kind=row.kind,
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
        item, kept = claimed.item, {}
        if sealing.is_sealed(item.body_text) or sealing.is_sealed(item.body_html):
            # The copy that stays keeps no usable link (DESIGN §3 "Secrets").
            kept = {"body_text": sealing.scrub(item.body_text or ""),
                    "body_html": sealing.scrub(item.body_html or "")}
        self._record(claimed, status=SENT, sent_at=utcnow(), last_error=None, **kept)

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

    # --- delivering ------------------------------------------------------------------

    def _open(self, channel: str, stack: ExitStack) -> Deliver:
        """The sender of one channel for this batch, opened on its first row."""
        if channel == EMAIL:
            transport = stack.enter_context(self.transport_factory(self.settings))
            return lambda item: transport.send(compose(item, self.settings), item.to_address)
        if channel == SWITCH:
            return stack.enter_context(self.switch_factory(self.settings)).deliver
        raise DeliveryError(f"unknown delivery channel {channel!r}", permanent=True)

    def _sender(self, channel: str, senders: dict[str, Deliver | DeliveryError],
                stack: ExitStack) -> Deliver:
        known = senders.get(channel)
        if known is None:
            try:
                known = self._open(channel, stack)
            except DeliveryError as error:
                known = error
            except Exception as exc:  # a channel that cannot open: retry later, never crash
                known = DeliveryError(f"cannot open the {channel} channel: "
                                      f"{exc.__class__.__name__}: {exc}", permanent=False)
            senders[channel] = known
        if isinstance(known, DeliveryError):
            raise known
        return known

    def deliver_one(self, claimed: Claimed, senders: dict[str, Deliver | DeliveryError],
                    stack: ExitStack) -> str:
        """Deliver one claimed row and record the outcome: SENT, PENDING (retry) or FAILED."""
        item = claimed.item
        try:
            self._sender(item.channel, senders, stack)(self._unsealed(item))
        except DeliveryError as error:
            return self._failed(claimed, error)
        except Exception as exc:
            # The bulkhead of DESIGN §3: a row whose email cannot be built (a header
            # with a line separator, a broken attachment list) or whose delivery breaks
            # in a way nobody foresaw is parked with its reason; the next row goes on,
            # on a fresh connection.
            senders.pop(item.channel, None)
            reason = f"could not be built or sent: {exc.__class__.__name__}: {exc}"
            return self._failed(claimed, DeliveryError(reason, permanent=True))
        self._sent(claimed)
        return SENT

    def _unsealed(self, item: Outgoing) -> Outgoing:
        """The email as it leaves: sealed setup links get their tokens now."""
        if not (sealing.is_sealed(item.body_text) or sealing.is_sealed(item.body_html)):
            return item
        key = self.settings.secret_key
        return replace(item, body_text=sealing.unseal(item.body_text or "", key),
                       body_html=sealing.unseal(item.body_html or "", key))

    # --- the loop ---------------------------------------------------------------------

    def run_once(self, stop: threading.Event | None = None) -> BatchResult:
        """Claim one batch and deliver it."""
        result = BatchResult()
        batch = self.claim()
        result.claimed = len(batch)
        if not batch:
            return result
        senders: dict[str, Deliver | DeliveryError] = {}
        with ExitStack() as stack:
            for claimed in batch:
                if stop is not None and stop.is_set():
                    break  # the rest comes back when the lease runs out
                outcome = self.deliver_one(claimed, senders, stack)
                if outcome == SENT:
                    result.sent += 1
                elif outcome == FAILED:
                    result.failed += 1
                else:
                    result.retried += 1
        return result

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        """Deliver until ``stop`` is set (or, with ``until_idle``, until nothing is due).

        Never returns early on an error: a worker that stops leaves every account's
        email pending, which is worse than any single failure it could report.
        """
        while not stop.is_set():
            try:
                result = self.run_once(stop)
            except SQLAlchemyError as exc:
                # The database is unreachable or busy: wait and try again.
                log.warning("outbox worker cannot reach the database: %s", exc)
                stop.wait(self.settings.outbox_poll_seconds)
                continue
            except Exception as exc:
                log.error("outbox worker step failed, going on: %s: %s",
                          exc.__class__.__name__, exc)
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
