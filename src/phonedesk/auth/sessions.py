"""Server-side browser sessions (R-V2, R-D1).

The cookie holds 256 random bits; the table holds only their SHA-256. Access is
re-checked on every request (see :mod:`phonedesk.auth.access`), so disabling a
profile, removing its admin role or its last Virtual-Office extension takes
effect on its very next request; the sessions are also ended explicitly so that
they stay ended if access comes back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from phonedesk.auth.secrets import digest, new_secret
from phonedesk.models import Account, Profile, WebSession
from phonedesk.models.base import utcnow

ABSOLUTE_LIFETIME = timedelta(hours=12)
IDLE_TIMEOUT = timedelta(hours=2)
# Writing last_seen_at on every request would turn reads into writes; once a minute is enough.
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass
class ActiveSession:
    session: WebSession
    profile: Profile
    account: Account


def start(
    db: Session,
    *,
    profile: Profile,
    kind: str,
    client_address: str | None = None,
    user_agent: str | None = None,
) -> tuple[WebSession, str]:
    """A new session (always a new id: no fixation) and its cookie value."""
    token = new_secret()
    now = utcnow()
    row = WebSession(
        token_hash=digest(token),
        account_id=profile.account_id,
        profile_id=profile.id,
        kind=kind,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE_LIFETIME,
        client_address=(client_address or "")[:64] or None,
        user_agent=(user_agent or "")[:300] or None,
    )
    db.add(row)
    db.flush()
    return row, token


def lookup(db: Session, token: str, *, kind: str) -> ActiveSession | None:
    """The live session for a cookie value, or None (ended, expired, idle, archived)."""
    row = db.execute(
        select(WebSession, Profile, Account)
        .join(Profile, Profile.id == WebSession.profile_id)
        .join(Account, Account.id == WebSession.account_id)
        .where(WebSession.token_hash == digest(token), WebSession.kind == kind)
    ).first()
    if row is None:
        return None
    session, profile, account = row
    now = utcnow()
    if (
        session.ended_at is not None
        or session.expires_at <= now
        or session.last_seen_at + IDLE_TIMEOUT <= now
        or not profile.is_live
    ):
        return None
    return ActiveSession(session=session, profile=profile, account=account)


def touch_due(session: WebSession) -> bool:
    return session.last_seen_at + TOUCH_INTERVAL <= utcnow()


def touch(db: Session, session: WebSession) -> None:
    """Record activity, at most once per TOUCH_INTERVAL."""
    now = utcnow()
    if session.last_seen_at + TOUCH_INTERVAL <= now:
        db.execute(
            update(WebSession).where(WebSession.id == session.id).values(last_seen_at=now)
        )


def end(db: Session, token: str) -> None:
    db.execute(
        update(WebSession)
        .where(WebSession.token_hash == digest(token), WebSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_for_profile(db: Session, profile_id: int, *, kind: str | None = None) -> None:
    """End every live session of a profile (of one kind, or all)."""
    stmt = update(WebSession).where(
        WebSession.profile_id == profile_id, WebSession.ended_at.is_(None)
    )
    if kind is not None:
        stmt = stmt.where(WebSession.kind == kind)
    db.execute(stmt.values(ended_at=utcnow()))
