"""Form submissions already acted on, so that a repeated post of the same form is not
acted on twice (a double-click that got past the page's script, a resent request).

Each form that creates something carries a random key; the first post with it
claims the row and records where its answer went. Kept in the database so that
every server process sees the same keys; rows older than a day are dropped.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow


class FormSubmission(Base):
    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(Integer)
    # Where the first post's answer sent the browser, and what it said; None while it runs
    # or when it was refused (then a repeat is simply tried again).
    location: Mapped[str | None] = mapped_column(String(500))
    notice: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
