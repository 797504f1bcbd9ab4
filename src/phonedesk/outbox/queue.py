"""What administrators may see and do with what leaves PhoneDesk (DESIGN §2, §3):
emails, and the actions sent to the switch (R-SW7).

Listing is scoped by account (R-AC1); a failed message can be put back in the
queue once the cause (an address, the SMTP server, the switch) is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from phonedesk.audit import service as audit
from phonedesk.errors import Conflict, NotFound, ValidationFailed
from phonedesk.models import OutboxMessage
from phonedesk.models.base import utcnow
from phonedesk.models.outbox import CHANNELS, EMAIL, FAILED, PENDING, SENT
from phonedesk.scope import Scope

STATUSES = (PENDING, SENT, FAILED)


@dataclass(frozen=True)
class OutgoingQuery:
    status: str | None = None
    to: str | None = None
    channel: str | None = None
    limit: int = 50
    offset: int = 0


def list_outgoing(scope: Scope, query: OutgoingQuery) -> tuple[list[OutboxMessage], int]:
    """A page of this account's outgoing email, newest first, and the total."""
    stmt = select(OutboxMessage).where(OutboxMessage.account_id == scope.account_id)
    if query.status is not None:
        if query.status not in STATUSES:
            raise ValidationFailed(f"Status must be one of {', '.join(STATUSES)}.", field="status")
        stmt = stmt.where(OutboxMessage.status == query.status)
    if query.channel is not None:
        if query.channel not in CHANNELS:
            raise ValidationFailed(f"Channel must be one of {', '.join(CHANNELS)}.",
                                   field="channel")
        stmt = stmt.where(OutboxMessage.channel == query.channel)
    if query.to and query.to.strip():
        stmt = stmt.where(
            func.lower(OutboxMessage.to_address).contains(query.to.strip().lower(), autoescape=True)
        )
    total = scope.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = scope.db.scalars(
        stmt.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(query.limit)
        .offset(query.offset)
    )
    return list(rows), total


def get_outgoing(scope: Scope, email_id: int) -> OutboxMessage:
    row = scope.db.scalar(
        select(OutboxMessage).where(
            OutboxMessage.id == email_id, OutboxMessage.account_id == scope.account_id
        )
    )
    if row is None:
        raise NotFound("No such outgoing email.", code="email_not_found")
    return row


def retry(scope: Scope, email_id: int) -> OutboxMessage:
    """Queue a failed email again, with a fresh count of attempts."""
    row = get_outgoing(scope, email_id)
    if row.status != FAILED:
        raise Conflict(
            f"Only a failed {'email' if row.channel == EMAIL else 'switch action'} can be "
            "retried; this one is "
            f"{'already sent' if row.status == SENT else 'still queued'}.",
            code="email_not_failed",
        )
    previous = row.last_error
    row.status = PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.lease_until = None
    scope.db.flush()
    audit.record(
        scope,
        "email.retried" if row.channel == EMAIL else "switch.action_retried",
        target_type="email",
        target_id=str(row.id),
        target_label=row.subject[:200],
        detail={"to": row.to_address, "last_error": previous},
    )
    return row
