"""Forgot password (R-V2, R-V3): a setup link by email, one answer for every username.

The caller is told the same thing whether or not the username exists, may sign
in anywhere, or was throttled per username: only the email differs, and only its
owner sees it. Requests are counted per username and per client address with the
sign-in counters' delays (under their own keys), so the form can neither flood a
mailbox nor be used to probe usernames faster than the sign-in form.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from phonedesk.audit import service as audit
from phonedesk.auth import access, setup_links, signin, throttle
from phonedesk.config import Settings
from phonedesk.models import Account, Profile
from phonedesk.models.base import utcnow
from phonedesk.outbox import service as outbox
from phonedesk.profiles import rules
from phonedesk.scope import Actor, Scope

EMAIL_KIND = "password_reset"
SENT_MESSAGE = (
    "If that username belongs to a profile that can sign in, an email with a link to "
    "create a new password is on its way to the profile's address. The link works once."
)


@dataclass(frozen=True)
class ResetOutcome:
    """What the form shows: the one message, or how long a throttled caller must wait."""

    message: str
    retry_after_seconds: int | None = None


def _keys(username: str, client_address: str | None) -> list[throttle.Key]:
    keys = [("reset:" + rules.username_key(username.strip())[:180], False)]
    if client_address:
        keys.append(("reset-addr:" + client_address[:180], True))
    return keys


def _eligible(db: Session, username: str) -> tuple[Profile, Account] | None:
    """The live, active profile of that username that may use a sign-in page once it has
    a password: admin rights, or a Virtual-Office extension (R-V2)."""
    row = signin.find_profile(db, username)
    if row is None:
        return None
    profile, account = row
    if not profile.is_active:
        return None
    if access.is_admin(account, profile) or access.has_virtual_office_extension(db, profile):
        return profile, account
    return None


def request_reset(db: Session, settings: Settings, *, username: str,
                  client_address: str | None) -> ResetOutcome:
    """Queue a setup-link email for ``username`` if it may sign in; always answer alike.

    Only the per-address wait is ever told (it says nothing about the username);
    a username over its own limit silently gets no further email.
    """
    now = utcnow()
    keys = _keys(username, client_address)
    address_wait = throttle.seconds_blocked(db, keys[1:], now)
    if address_wait:
        return ResetOutcome(
            f"Too many requests from this network. Wait {address_wait} seconds and try again.",
            retry_after_seconds=address_wait,
        )
    user_blocked = throttle.seconds_blocked(db, keys[:1], now) > 0
    throttle.record_failures(db, settings, keys, now)  # every request counts
    found = None if user_blocked else _eligible(db, username)
    if found is None:
        return ResetOutcome(SENT_MESSAGE)
    profile, account = found
    # Nobody is signed in: whoever typed the username, not the profile, made the request.
    asker = Actor(kind="anonymous", id=None,
                  label=f"Forgot password from {client_address or '?'}")
    scope = Scope(db=db, account=account, actor=asker, settings=settings)
    outbox.enqueue(scope, kind=EMAIL_KIND, to=profile.email, template="password_reset",
                   context=setup_links.email_context(scope, profile))
    audit.record(scope, "auth.password_reset_requested", target_type="profile",
                 target_id=profile.public_id, target_label=profile.display_name,
                 detail={"client_address": client_address})
    return ResetOutcome(SENT_MESSAGE)
