"""Password setup links (R-V1, R-V3): issuing them, and using one to create a password.

Issuing a link voids every older unused link of the profile, so only the newest
email works. A link is spent exactly once, even under concurrent use. The slow
argon2 hash is made on a read-only session before the short write transaction
(:func:`prepare_password`), as sign-in verifies before it writes: on SQLite a
write transaction holds the database's write lock from its first statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from phonedesk.audit import service as audit
from phonedesk.auth import passwords, sessions
from phonedesk.auth.secrets import digest
from phonedesk.config import Settings
from phonedesk.errors import DomainError, ValidationFailed
from phonedesk.models import Account, Profile, SetupLink
from phonedesk.models.base import utcnow
from phonedesk.outbox import sealing
from phonedesk.scope import Actor, Scope

SETUP_PATH = "/password/setup/"


# --- issuing -------------------------------------------------------------------


def setup_url(base_url: str, token: str) -> str:
    """Built from the configured base URL, never from a request's Host header."""
    return base_url.rstrip("/") + SETUP_PATH + token


def void_links(scope: Scope, profile: Profile) -> None:
    """Void every unused link of a profile (a newer link, disable, archive)."""
    scope.db.execute(
        update(SetupLink)
        .where(
            SetupLink.profile_id == profile.id,
            SetupLink.used_at.is_(None),
            SetupLink.voided_at.is_(None),
        )
        .values(voided_at=utcnow())
    )


def _new_link(scope: Scope, profile: Profile) -> str:
    """Create a new single-use link for ``profile``; return the nonce its token comes from.

    Only the token's digest is stored; the token itself is derived from the nonce
    and the secret key (:mod:`phonedesk.outbox.sealing`) whenever it is needed.
    """
    void_links(scope, profile)
    nonce = sealing.new_nonce()
    now = utcnow()
    scope.db.add(
        SetupLink(
            account_id=scope.account_id,
            profile_id=profile.id,
            token_hash=digest(sealing.token_for(scope.settings.secret_key, nonce)),
            created_at=now,
            expires_at=now + timedelta(hours=scope.settings.setup_link_ttl_hours),
        )
    )
    return nonce


def issue_link(scope: Scope, profile: Profile) -> str:
    """A new link's URL, to show once (the first administrator's, at the command line)."""
    nonce = _new_link(scope, profile)
    return setup_url(scope.settings.base_url, sealing.token_for(scope.settings.secret_key, nonce))


def email_context(scope: Scope, profile: Profile) -> dict[str, Any]:
    """Issue a link and return what every email carrying it says (R-V1, R-AD1).

    The link is sealed: the stored email holds a marker that the worker turns into
    the token only when it sends, and removes from the copy it keeps.
    """
    sealed = setup_url(scope.settings.base_url, sealing.marker(_new_link(scope, profile)))
    return {
        "first_name": profile.first_name,
        "username": profile.username,
        "setup_url": sealed,
        "link_ttl_hours": scope.settings.setup_link_ttl_hours,
    }


# --- using a link ----------------------------------------------------------------


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


def inspect_account(db: Session, profile: Profile) -> Account:
    """The account of a profile (for pages that only hold the profile)."""
    account = db.get(Account, profile.account_id)
    assert account is not None
    return account


@dataclass(frozen=True)
class NewPassword:
    """The slow half of creating a password: checked and hashed on a read-only session."""

    link_id: int
    password_hash: str


def _check_new_password(profile: Profile, password: str, confirm: str) -> None:
    passwords.check_policy(password, username=profile.username, email=profile.email)
    if password != confirm:
        raise ValidationFailed(
            "The two passwords are not the same.",
            code="password_mismatch",
            field="password_confirm",
        )


def prepare_password(db: Session, *, token: str, password: str, confirm: str) -> NewPassword:
    """Check the link and the password and hash it, writing nothing.

    The interface runs this on a read session, then :func:`set_password_with_link`
    in the write transaction, which then only stores the hash.
    """
    info = inspect_link(db, token)
    _check_new_password(info.profile, password, confirm)
    return NewPassword(link_id=info.link.id, password_hash=passwords.hash_password(password))


def _spend(db: Session, link: SetupLink) -> None:
    """Mark the link used; exactly one of two concurrent uses wins (R-V3)."""
    now = utcnow()
    spent = db.execute(
        update(SetupLink)
        .where(
            SetupLink.id == link.id,
            SetupLink.used_at.is_(None),
            SetupLink.voided_at.is_(None),
            SetupLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(spent, "rowcount", 0) != 1:
        raise _invalid("used")


def set_password_with_link(
    db: Session,
    settings: Settings,
    *,
    token: str,
    password: str,
    confirm: str,
    prepared: NewPassword | None = None,
) -> Profile:
    """Create the password; the link is spent exactly once, even under concurrent use.

    Signs nothing in. Every session of the profile ends and every other link is
    voided, so whoever held the old password or an older email is out.
    ``prepared`` is :func:`prepare_password`'s result for the same input; without
    it (or for another link) the password is hashed here, inside the transaction.
    """
    info = inspect_link(db, token)
    profile = info.profile
    _check_new_password(profile, password, confirm)  # cheap: the profile may have changed
    if prepared is None or prepared.link_id != info.link.id:
        prepared = NewPassword(info.link.id, passwords.hash_password(password))
    _spend(db, info.link)
    profile.password_hash = prepared.password_hash
    profile.updated_at = utcnow()
    scope = Scope(db=db, account=info.account, actor=Actor.of_profile(profile),
                  settings=settings)
    void_links(scope, profile)
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
