"""Signing in and out (R-V2, R-V3, R-D1, R-AU1).

Sign-in returns an outcome instead of raising on a wrong password: the failure
counters (:mod:`phonedesk.auth.throttle`) must be committed even though the
sign-in failed, and the interface owns the transaction. Every refusal before the
password is known to be right uses one message that never says whether the
username exists. Creating a password from an emailed link is
:mod:`phonedesk.auth.setup_links`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from phonedesk.audit import service as audit
from phonedesk.auth import access, passwords, sessions, throttle

# Setup-link use lived here; its names stay importable from this module.
from phonedesk.auth.setup_links import (
    LinkInfo,
    NewPassword,
    SetupLinkInvalid,
    inspect_account,
    inspect_link,
    prepare_password,
    set_password_with_link,
)
from phonedesk.config import Settings
from phonedesk.models import Account, Profile, WebSession
from phonedesk.models.base import utcnow
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.profiles import rules
from phonedesk.scope import Actor, Scope

__all__ = [
    "LinkInfo",
    "NewPassword",
    "PasswordCheck",
    "SetupLinkInvalid",
    "SignInOutcome",
    "check_password",
    "inspect_account",
    "inspect_link",
    "passwords",
    "prepare_password",
    "profile_actor",
    "sessions",
    "set_password_with_link",
    "sign_in",
    "sign_out",
]

WRONG_CREDENTIALS = (
    "The username or password is not right, or this profile cannot sign in here. "
    "Check both and try again, or ask your administrator."
)


@dataclass
class SignInOutcome:
    """Either a new session (``token`` for the cookie) or a message for the form."""

    ok: bool
    message: str | None = None
    retry_after_seconds: int | None = None
    token: str | None = None
    session: WebSession | None = None
    profile: Profile | None = None


def find_profile(db: Session, username: str) -> tuple[Profile, Account] | None:
    """The live profile signing in with ``username`` and its account (sign-in and
    Forgot password look people up the same way)."""
    text = username.strip()
    if not text or len(text) > 200:
        return None
    row = db.execute(
        select(Profile, Account)
        .join(Account, Account.id == Profile.account_id)
        .where(Profile.username_key == rules.username_key(text), Profile.is_live)
    ).first()
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class _Attempt:
    """One sign-in attempt, as the audit log and the counters see it."""

    db: Session
    settings: Settings
    kind: str
    client_address: str | None
    keys: list[throttle.Key]

    def audit(self, account: Account, profile: Profile, action: str,
              actor: Actor | None = None, **extra: object) -> None:
        """An event about the profile; before the password is known right, by "anonymous"."""
        anonymous = Actor(kind="anonymous", id=None,
                          label=f"Sign-in from {self.client_address or '?'}")
        scope = Scope(db=self.db, account=account, actor=actor or anonymous,
                      settings=self.settings)
        detail = {"where": self.kind, "client_address": self.client_address, **extra}
        audit.record(scope, action, target_type="profile", target_id=profile.public_id,
                     target_label=profile.display_name, detail=detail)


def profile_actor(profile: Profile) -> Actor:
    return Actor.of_profile(profile)


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
    if throttle.seconds_blocked(db, throttle.keys_for(username, client_address), utcnow()):
        return PasswordCheck(username=username, verified_hash=None, matches=False, blocked=True)
    found = find_profile(db, username)
    stored = found[0].password_hash if found else None
    return PasswordCheck(
        username=username,
        verified_hash=stored,
        matches=passwords.verify(stored, password),
        blocked=False,
    )


def _throttled(attempt: _Attempt, found: tuple[Profile, Account] | None,
               wait: int) -> SignInOutcome:
    wait = max(wait, 1)
    if found:
        attempt.audit(found[1], found[0], "auth.sign_in_refused", reason="throttled")
    return SignInOutcome(ok=False, message=throttle.wait_message(wait),
                         retry_after_seconds=wait)


def _wrong(attempt: _Attempt, found: tuple[Profile, Account] | None,
           refused_reason: str | None = None) -> SignInOutcome:
    """A wrong password, or a right one without access: the same answer and the same
    counting, so that the answer is no oracle for a disabled profile's password."""
    locked = throttle.record_failures(attempt.db, attempt.settings, attempt.keys, utcnow())
    if found is not None:
        profile, account = found
        if refused_reason is None:
            attempt.audit(account, profile, "auth.sign_in_failed")
        else:
            attempt.audit(account, profile, "auth.sign_in_refused", Actor.of_profile(profile),
                          reason=refused_reason)
        if locked:
            attempt.audit(account, profile, "auth.sign_in_locked",
                          minutes=attempt.settings.signin_lock_minutes)
    return SignInOutcome(ok=False, message=WRONG_CREDENTIALS)


def _allowed(db: Session, kind: str, account: Account, profile: Profile) -> bool:
    if kind == KIND_ADMIN:
        return access.may_use_admin(account, profile)
    return access.may_use_portal(db, account, profile)


def _start(attempt: _Attempt, profile: Profile, account: Account, password: str,
           user_agent: str | None) -> SignInOutcome:
    """The password is right: without access answer as for a wrong one, else a session."""
    db, actor = attempt.db, Actor.of_profile(profile)
    if not _allowed(db, attempt.kind, account, profile):
        return _wrong(attempt, (profile, account), refused_reason="no_access")
    throttle.forgive(db, attempt.keys)
    assert profile.password_hash is not None
    if passwords.needs_rehash(profile.password_hash):
        profile.password_hash = passwords.hash_password(password)
    session, token = sessions.start(db, profile=profile, kind=attempt.kind,
                                    client_address=attempt.client_address, user_agent=user_agent)
    attempt.audit(account, profile, "auth.signed_in", actor)
    return SignInOutcome(ok=True, token=token, session=session, profile=profile)


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
    attempt = _Attempt(db=db, settings=settings, kind=kind, client_address=client_address,
                       keys=throttle.keys_for(username, client_address))
    found = find_profile(db, username)
    wait = throttle.seconds_blocked(db, attempt.keys, utcnow())
    if wait or check.blocked:
        return _throttled(attempt, found, wait)
    # The password counts only if it was checked against the hash that is stored now.
    if found is None or not check.matches or found[0].password_hash != check.verified_hash:
        return _wrong(attempt, found)
    return _start(attempt, found[0], found[1], password, user_agent)


def sign_out(db: Session, settings: Settings, token: str, *, kind: str) -> None:
    """End a session on the server and note it in the audit log."""
    active = sessions.lookup(db, token, kind=kind)
    sessions.end(db, token)
    if active is not None:
        scope = Scope(db=db, account=active.account, actor=Actor.of_profile(active.profile),
                      settings=settings)
        audit.record(scope, "auth.signed_out", target_type="profile",
                     target_id=active.profile.public_id,
                     target_label=active.profile.display_name,
                     detail={"where": active.session.kind})
