"""Voicemails and faxes the PBX deposits for an extension (R-M1).

A message belongs to the extension, not to the profile that held it: disabling,
removing or reassigning a profile never erases one (R-D1, R-D2).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow

VOICEMAIL = "voicemail"
FAX = "fax"


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_extension_received", "extension_id", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    extension_id: Mapped[int] = mapped_column(ForeignKey("extensions.id"))
    kind: Mapped[str] = mapped_column(String(10))  # voicemail or fax
    caller_number: Mapped[str] = mapped_column(String(40), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    # Relative to settings.message_dir; chosen by the server, never by the uploader.
    storage_name: Mapped[str] = mapped_column(String(200), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a portal user deletes the message; the file is removed then.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
