"""Counting failed sign-ins per username and per client address (R-V3).

After a few failures each attempt must wait a doubling delay; after more the
username is locked for a while. A client address is only slowed (a short cap),
never locked: an office behind one address must not be locked out by one guesser.
Counters are kept for unknown usernames too, so the
throttle tells an attacker nothing about which usernames exist, and they are
pruned once nobody needs them, so guessed usernames cannot fill the table.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from phonedesk.config import Settings
from phonedesk.models import SignInThrottle
from phonedesk.profiles import rules

Key = tuple[str, bool]  # (counter key, is the per-address counter)


def keys_for(username: str, client_address: str | None) -> list[Key]:
    """The counters an attempt touches: the username's first, then the address's."""
    keys = [("user:" + rules.username_key(username.strip())[:190], False)]
    if client_address:
        keys.append(("addr:" + client_address[:190], True))
    return keys


def wait_message(seconds: int) -> str:
    """What a throttled attempt is told (the same whether or not the username exists)."""
    if seconds >= 90:
        span = f"{math.ceil(seconds / 60)} minutes"
    else:
        span = f"{seconds} second{'s' if seconds != 1 else ''}"
    return (
        f"Too many sign-in attempts for this username or from this network. "
        f"Wait {span} and try again."
    )


def seconds_blocked(db: Session, keys: list[Key], now: datetime) -> int:
    """How long the attempt must still wait (0: go ahead)."""
    wait = 0.0
    names = [key for key, _ in keys]
    for row in db.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(names))):
        for until in (row.locked_until, row.next_attempt_at):
            if until is not None and until > now:
                wait = max(wait, (until - now).total_seconds())
    return math.ceil(wait)


def _counter(db: Session, key: str, now: datetime) -> SignInThrottle:
    """The counter row for ``key``, created if missing, locked for this transaction."""
    stmt = select(SignInThrottle).where(SignInThrottle.key == key)
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = db.scalar(stmt)
    if row is not None:
        return row
    try:
        with db.begin_nested():
            row = SignInThrottle(key=key, failures=0, first_failure_at=now, last_failure_at=now)
            db.add(row)
    except IntegrityError:  # created by a concurrent attempt
        row = db.scalar(stmt)
        assert row is not None
    return row


def _record_failure(
    db: Session, settings: Settings, key: str, by_address: bool, now: datetime
) -> bool:
    """Count a failure; return True when this failure locked the key."""
    window = timedelta(minutes=settings.signin_lock_minutes)
    row = _counter(db, key, now)
    if row.failures and row.last_failure_at + window <= now:
        row.failures = 0  # an old streak is forgiven
        row.first_failure_at = now
        row.locked_until = None
    row.failures += 1
    row.last_failure_at = now
    if not by_address and row.failures >= settings.signin_lock_after:
        row.locked_until = now + window
        row.next_attempt_at = None
        return row.failures == settings.signin_lock_after
    # An address is only ever slowed: locking it would lock out everyone behind it.
    free = settings.signin_address_free_failures if by_address else settings.signin_free_failures
    cap = settings.signin_address_delay_max_seconds if by_address \
        else settings.signin_delay_max_seconds
    extra = row.failures - free
    if extra > 0:
        delay = min(cap, settings.signin_delay_base_seconds * 2 ** min(extra - 1, 30))
        row.next_attempt_at = now + timedelta(seconds=delay)
    return False


def _prune(db: Session, settings: Settings, now: datetime) -> None:
    """Drop counters nobody needs any more, so guessed usernames cannot fill the table."""
    cutoff = now - timedelta(minutes=settings.signin_lock_minutes)
    db.execute(
        delete(SignInThrottle)
        .where(
            SignInThrottle.last_failure_at < cutoff,
            or_(SignInThrottle.locked_until.is_(None), SignInThrottle.locked_until < now),
        )
        .execution_options(synchronize_session=False)
    )


def record_failures(db: Session, settings: Settings, keys: list[Key], now: datetime) -> bool:
    """Count a failed attempt on every key; True when it locked one of them."""
    _prune(db, settings, now)
    locked = False
    for key, by_address in keys:
        locked = _record_failure(db, settings, key, by_address, now) or locked
    return locked


def forgive(db: Session, keys: list[Key]) -> None:
    """A successful sign-in clears the username's streak (never the address's)."""
    db.execute(delete(SignInThrottle).where(SignInThrottle.key == keys[0][0]))
