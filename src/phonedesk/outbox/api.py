"""REST endpoints for administrators: outgoing email and its delivery state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from phonedesk.api.common import Limit, Offset, Page, Search
from phonedesk.api.deps import ReadScope, WriteScope
from phonedesk.models import OutboxMessage
from phonedesk.outbox import queue

router = APIRouter(tags=["outgoing email"])
Channel = Literal["email", "switch"]

EmailId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class OutgoingEmailOut(BaseModel):
    """Delivery state only. The body is never shown: it may hold a user's password setup
    link, and administrators must never be able to set a user's password (R-V3).

    ``channel`` is ``email``, or ``switch`` for an action sent to Kamailio (R-SW7:
    ending a phone's registration, reloading domains), whose ``to`` is ``switch``
    and whose ``subject`` says what it does."""

    id: int
    channel: Channel
    kind: str
    to: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    message_id: str
    attachments: list[str]
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def build(cls, row: OutboxMessage) -> OutgoingEmailOut:
        return cls(
            id=row.id,
            channel="switch" if row.channel == "switch" else "email",
            kind=row.kind,
            to=row.to_address,
            subject=row.subject,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
            last_error=row.last_error,
            message_id=row.message_id,
            attachments=_attachment_names(row.attachments),
            created_at=row.created_at,
            sent_at=row.sent_at,
        )


def _attachment_names(stored: Any) -> list[str]:
    """The file names of a row's attachments; a malformed list (a poison row) shows none."""
    if not isinstance(stored, list):
        return []
    return [str(a.get("filename", "")) for a in stored if isinstance(a, dict)]


@router.get(
    "/outgoing-emails",
    response_model=Page[OutgoingEmailOut],
    summary="List outgoing email and switch actions with their delivery state, newest first",
)
def list_outgoing(
    scope: ReadScope,
    status: Annotated[
        str | None, Query(max_length=20, description="pending, sent or failed")
    ] = None,
    to: Search = None,
    channel: Annotated[Channel | None, Query(description="email or switch")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[OutgoingEmailOut]:
    rows, total = queue.list_outgoing(
        scope,
        queue.OutgoingQuery(status=status, to=to, channel=channel, limit=limit, offset=offset),
    )
    return Page[OutgoingEmailOut](
        items=[OutgoingEmailOut.build(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.get(
    "/outgoing-emails/{email_id}",
    response_model=OutgoingEmailOut,
    summary="Read one outgoing email's state",
)
def read_outgoing(email_id: EmailId, scope: ReadScope) -> OutgoingEmailOut:
    return OutgoingEmailOut.build(queue.get_outgoing(scope, email_id))


@router.post(
    "/outgoing-emails/{email_id}/retry",
    response_model=OutgoingEmailOut,
    summary="Queue a failed email or switch action again",
)
def retry_outgoing(email_id: EmailId, scope: WriteScope) -> OutgoingEmailOut:
    return OutgoingEmailOut.build(queue.retry(scope, email_id))
