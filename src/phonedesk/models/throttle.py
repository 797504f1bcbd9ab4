"""Failed sign-in counters (R-V3), per username and per client address.

Kept in the database, not in a process, so that every ``phonedesk serve``
behind a load balancer sees the same counts and a restart forgives nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow


class SignInThrottle(Base):
    __tablename__ = "sign_in_throttles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "user:<username key>" or "addr:<client address>". Usernames are installation-wide
    # (R-P2), so the counter is too; it exists for unknown usernames as well, so that
    # throttling never tells whether a username exists.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    first_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # No attempt is checked before this moment (the growing delay).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
