"""The transactional outbox: what must leave PhoneDesk after the change that causes it.

An email, or an action on the switch (ending a phone's registration, reloading
domains): both are written in the same transaction as the change, then
delivered by the same worker with the same lease, retries and backoff. For a
switch action ``to_address`` names the switch, ``subject`` says what it does in
words and ``body_text`` holds the action as JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow

# Delivery channels: one outbox, one worker, one lease and backoff for both.
EMAIL = "email"  # an email over SMTP (or a .eml file)
SWITCH = "switch"  # an action on Kamailio over its JSON-RPC (R-SW7)
CHANNELS = (EMAIL, SWITCH)

PENDING = "pending"
SENT = "sent"
FAILED = "failed"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default=EMAIL, server_default=EMAIL)
    kind: Mapped[str] = mapped_column(String(40))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    # Stable across retries, so a resend after a crash is recognisable as one message.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    # Attachments by reference (stored message files), never inline blobs.
    attachments: Mapped[list[Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
