"""Signing in and creating a password from a setup link (R-V2, R-V3, R-D1, R-AU1).

Sign-in returns an outcome instead of raising on a wrong password: the failure
counters must be committed even though the sign-in failed, and the interface
owns the transaction. Every refusal before the password is known to be right
uses one message that never says whether the username exists, and counters are
kept for unknown usernames too, so throttling tells nothing either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from phonedesk.audit import service as audit
from phonedesk.auth import access, passwords, sessions, setup_links
from phonedesk.auth.secrets import digest
from phonedesk.config import Settings
from phonedesk.errors import DomainError, ValidationFailed
from phonedesk.models import Account, Profile, SetupLink, SignInThrottle, WebSession
from phonedesk.models.base import utcnow
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.profiles import rules
from phonedesk.scope import Actor, Scope

WRONG_CREDENTIALS = "The username or password is not right. Check both and try again."
PLACES = {KIND_ADMIN: "the Account Manager", "portal": "Virtual Office"}


@dataclass
class SignInOutcome:
    """Either a new session (``token`` for the cookie) or a message for the form."""

    ok: bool
    message: str | None = None
    retry_after_seconds: int | None = None
    token: str | None = None
    session: WebSession | None = None
    profile: Profile | None = None


# --- throttling ----------------------------------------------------------------


def _keys(username: str, client_address: str | None) -> list[tuple[str, bool]]:
    """The counters an attempt touches: (key, is the per-address counter)."""
    keys = [("user:" + rules.username_key(username.strip())[:190], False)]
    if client_address:
        keys.append(("addr:" + client_address[:190], True))
    return keys


def _wait_message(seconds: int) -> str:
    if seconds >= 90:
        span = f"{math.ceil(seconds / 60)} minutes"
    else:
        span = f"{seconds} second{'s' if seconds != 1 else ''}"
    return (
        f"Too many sign-in attempts for this username or from this network. "
        f"Wait {span} and try again."
    )


def _seconds_blocked(db: Session, keys: list[str], now: datetime) -> int:
    """How long the attempt must still wait (0: go ahead)."""
    wait = 0.0
    for row in db.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys))):
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
    lock_after = settings.signin_address_lock_after if by_address else settings.signin_lock_after
    if row.failures >= lock_after:
        row.locked_until = now + window
        row.next_attempt_at = None
        return row.failures == lock_after
    free = settings.signin_address_free_failures if by_address else settings.signin_free_failures
    extra = row.failures - free
    if extra > 0:
        delay = min(
            settings.signin_delay_max_seconds, settings.signin_delay_base_seconds * 2 ** (extra - 1)
        )
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


def _forgive(db: Session, key: str) -> None:
    db.execute(delete(SignInThrottle).where(SignInThrottle.key == key))


# --- sign-in -------------------------------------------------------------------


def _find_profile(db: Session, username: str) -> tuple[Profile, Account] | None:
    text = username.strip()
    if not text or len(text) > 200:
        return None
    row = db.execute(
        select(Profile, Account)
        .join(Account, Account.id == Profile.account_id)
        .where(Profile.username_key == rules.username_key(text), Profile.is_live)
    ).first()
    return (row[0], row[1]) if row else None


def _audit(
    db: Session,
    settings: Settings,
    account: Account,
    profile: Profile,
    action: str,
    actor: Actor,
    detail: dict[str, object],
) -> None:
    scope = Scope(db=db, account=account, actor=actor, settings=settings)
    audit.record(
        scope,
        action,
        target_type="profile",
        target_id=profile.public_id,
        target_label=profile.display_name,
        detail=detail,
    )


def profile_actor(profile: Profile) -> Actor:
    return Actor(kind="profile", id=profile.public_id, label=profile.display_name)


@dataclass(frozen=True)
class PasswordCheck:
    """The slow half of a sign-in: the argon2 verification, done on a read-only session.

    On SQLite a write transaction holds the database's write lock from its first
    statement; verifying there would stall every other writer for the length of
    a hash on each attempt. The interface runs this first, then :func:`sign_in`.
    """

    username: str
    verified_hash: str | None  # the hash the password was checked against
    matches: bool
    blocked: bool  # throttled already: the password was not looked at


def check_password(
    db: Session, *, username: str, password: str, client_address: str | None = None
) -> PasswordCheck:
    """Verify without writing anything (no counters, no audit: :func:`sign_in` does that)."""
    keys = [k for k, _ in _keys(username, client_address)]
    if _seconds_blocked(db, keys, utcnow()):
        return PasswordCheck(username=username, verified_hash=None, matches=False, blocked=True)
    found = _find_profile(db, username)
    stored = found[0].password_hash if found else None
    return PasswordCheck(
        username=username,
        verified_hash=stored,
        matches=passwords.verify(stored, password),
        blocked=False,
    )


def sign_in(
    db: Session,
    settings: Settings,
    *,
    kind: str,
    username: str,
    password: str,
    client_address: str | None = None,
    user_agent: str | None = None,
    check: PasswordCheck | None = None,
) -> SignInOutcome:
    """Sign in to ``kind`` ("admin" or "portal"), counting failures and auditing.

    ``check`` is the result of :func:`check_password` for the same input, made
    before this write transaction began; without it the password is verified here.
    """
    if check is None or check.username != username:
        check = check_password(
            db, username=username, password=password, client_address=client_address
        )
    now = utcnow()
    keys = _keys(username, client_address)
    found = _find_profile(db, username)
    detail: dict[str, object] = {"where": kind, "client_address": client_address}
    anonymous = Actor(kind="anonymous", id=None, label=f"Sign-in from {client_address or '?'}")

    wait = _seconds_blocked(db, [k for k, _ in keys], now)
    if wait or check.blocked:
        wait = max(wait, 1)
        if found:
            _audit(
                db,
                settings,
                found[1],
                found[0],
                "auth.sign_in_refused",
                anonymous,
                {**detail, "reason": "throttled"},
            )
        return SignInOutcome(ok=False, message=_wait_message(wait), retry_after_seconds=wait)

    profile, account = found if found else (None, None)
    # The password counts only if it was checked against the hash that is stored now.
    if profile is None or not check.matches or profile.password_hash != check.verified_hash:
        _prune(db, settings, now)
        locked = False
        for key, by_address in keys:
            locked = _record_failure(db, settings, key, by_address, now) or locked
        if profile is not None and account is not None:
            _audit(db, settings, account, profile, "auth.sign_in_failed", anonymous, detail)
            if locked:
                _audit(
                    db,
                    settings,
                    account,
                    profile,
                    "auth.sign_in_locked",
                    anonymous,
                    {**detail, "minutes": settings.signin_lock_minutes},
                )
        return SignInOutcome(ok=False, message=WRONG_CREDENTIALS)

    assert account is not None and profile.password_hash is not None
    allowed = (
        access.may_use_admin(account, profile)
        if kind == KIND_ADMIN
        else access.may_use_portal(db, account, profile)
    )
    if not allowed:
        _audit(
            db,
            settings,
            account,
            profile,
            "auth.sign_in_refused",
            profile_actor(profile),
            {**detail, "reason": "no_access"},
        )
        return SignInOutcome(
            ok=False,
            message=(
                f"Your password is right, but this profile cannot use {PLACES[kind]} "
                "now. Ask your administrator."
            ),
        )
    _forgive(db, keys[0][0])
    if passwords.needs_rehash(profile.password_hash):
        profile.password_hash = passwords.hash_password(password)
    session, token = sessions.start(
        db, profile=profile, kind=kind, client_address=client_address, user_agent=user_agent
    )
    _audit(db, settings, account, profile, "auth.signed_in", profile_actor(profile), detail)
    return SignInOutcome(ok=True, token=token, session=session, profile=profile)


def sign_out(db: Session, settings: Settings, token: str, *, kind: str) -> None:
    """End a session on the server and note it in the audit log."""
    active = sessions.lookup(db, token, kind=kind)
    sessions.end(db, token)
    if active is not None:
        _audit(
            db,
            settings,
            active.account,
            active.profile,
            "auth.signed_out",
            profile_actor(active.profile),
            {"where": active.session.kind},
        )


# --- setup links ---------------------------------------------------------------


class SetupLinkInvalid(DomainError):
    """The link cannot be used (unknown, used, replaced, expired); the page explains."""

    code = "setup_link_invalid"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message, code=f"setup_link_{reason}")
        self.reason = reason


_LINK_MESSAGES = {
    "unknown": "This link is not valid. Check that you opened the whole link from the email, "
    "or ask your administrator to send a new one.",
    "used": "This link has already been used to create a password. Sign in with that "
    "password, or ask your administrator to send a new link.",
    "voided": "This link has been replaced by a newer one or cancelled. Use the link in the "
    "most recent email, or ask your administrator to send a new one.",
    "expired": "This link has expired. Ask your administrator to send a new one.",
}


def _invalid(reason: str) -> SetupLinkInvalid:
    return SetupLinkInvalid(_LINK_MESSAGES[reason], reason=reason)


@dataclass
class LinkInfo:
    link: SetupLink
    profile: Profile
    account: Account


def inspect_link(db: Session, token: str) -> LinkInfo:
    """The usable link for ``token``, or :class:`SetupLinkInvalid` saying why not."""
    if not token or len(token) > 200:
        raise _invalid("unknown")
    row = db.execute(
        select(SetupLink, Profile, Account)
        .join(Profile, Profile.id == SetupLink.profile_id)
        .join(Account, Account.id == SetupLink.account_id)
        .where(SetupLink.token_hash == digest(token))
    ).first()
    if row is None:
        raise _invalid("unknown")
    link, profile, account = row
    if link.used_at is not None:
        raise _invalid("used")
    if link.voided_at is not None or not profile.is_active:
        raise _invalid("voided")
    if link.expires_at <= utcnow():
        raise _invalid("expired")
    return LinkInfo(link=link, profile=profile, account=account)


def set_password_with_link(
    db: Session, settings: Settings, *, token: str, password: str, confirm: str
) -> Profile:
    """Create the password; the link is spent exactly once, even under concurrent use.

    Signs nothing in. Every session of the profile ends and every other link is
    voided, so whoever held the old password or an older email is out.
    """
    info = inspect_link(db, token)
    profile = info.profile
    passwords.check_policy(password, username=profile.username, email=profile.email)
    if password != confirm:
        raise ValidationFailed(
            "The two passwords are not the same.",
            code="password_mismatch",
            field="password_confirm",
        )
    new_hash = passwords.hash_password(password)
    now = utcnow()
    spent = db.execute(
        update(SetupLink)
        .where(
            SetupLink.id == info.link.id,
            SetupLink.used_at.is_(None),
            SetupLink.voided_at.is_(None),
            SetupLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise _invalid("used")
    profile.password_hash = new_hash
    profile.updated_at = now
    scope = Scope(db=db, account=info.account, actor=profile_actor(profile), settings=settings)
    setup_links.void_links(scope, profile)
    sessions.end_for_profile(db, profile.id)
    db.flush()
    audit.record(
        scope,
        "profile.password_set",
        target_type="profile",
        target_id=profile.public_id,
        target_label=profile.display_name,
        detail={"via": "setup_link"},
    )
    return profile


def inspect_account(db: Session, profile: Profile) -> Account:
    """The account of a profile (for pages that only hold the profile)."""
    account = db.get(Account, profile.account_id)
    assert account is not None
    return account
