"""An account's SIP domain (R-SW1): the host part of every SIP address in it.

``201@acme.example`` is extension 201 of the account whose domain is
``acme.example``; the same number in another account is another SIP user. The
domain is unique in the installation and only the primary administrator (or an
operator's API token) may change it. A change takes effect on the next SIP
request once Kamailio has reloaded its domain cache, which the outbox asks it
to do after commit (R-SW7).
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from phonedesk.audit import service as audit
from phonedesk.config import Settings
from phonedesk.errors import Conflict, PermissionDenied, ValidationFailed
from phonedesk.models import Account, Profile, SipCredential, SipDomain
from phonedesk.models.base import utcnow
from phonedesk.scope import Scope
from phonedesk.switch import actions

DOMAIN_MAX = 253
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_BAD_DOMAIN = (
    "A SIP domain is a host name such as “acme.example.com”: two or more parts separated "
    "by dots, each of letters, digits and hyphens (not at either end), at most 253 "
    "characters in all."
)


def clean_domain(value: str | None) -> str:
    """The stored (lower-case) form of a SIP domain, or a field error saying what one is."""
    text = (value or "").strip().rstrip(".").lower()
    if not text:
        raise ValidationFailed("Enter a SIP domain.", code="required", field="domain")
    labels = text.split(".")
    if (
        len(text) > DOMAIN_MAX
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()  # an IP address is not a domain
    ):
        raise ValidationFailed(_BAD_DOMAIN, code="invalid_domain", field="domain")
    return text


def label_for(name: str) -> str:
    """A DNS label from an account name: ``Zoë & Co`` → ``zoe-co``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    label = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
    return label or "account"


def _taken(db: Session, value: str, *, exclude_account: int | None = None) -> bool:
    """Is ``value`` another account's domain or realm (a realm names one account)?"""
    stmt = select(SipDomain.id).where(or_(SipDomain.domain == value, SipDomain.realm == value))
    if exclude_account is not None:
        stmt = stmt.where(SipDomain.account_id != exclude_account)
    return db.scalar(stmt.limit(1)) is not None


def default_domain(db: Session, settings: Settings, account_name: str) -> str:
    """``<account name>.<PHONEDESK_SWITCH_DOMAIN_SUFFIX>``, numbered when that is taken."""
    suffix = settings.switch_domain_suffix.strip().strip(".").lower()
    label = label_for(account_name)
    candidate = clean_domain(f"{label}.{suffix}")
    n = 1
    while _taken(db, candidate):
        n += 1
        candidate = clean_domain(f"{label}-{n}.{suffix}")
    return candidate


def create_for_account(db: Session, settings: Settings, account: Account,
                       requested: str | None = None) -> SipDomain:
    """The new account's domain: the one asked for, or the default (R-SW1).

    Its realm is the first domain; it follows a rename only until the first SIP
    password is made (a digest depends on it from then on).
    """
    if requested:
        domain = clean_domain(requested)
        if _taken(db, domain):
            raise Conflict(_taken_message(domain), code="sip_domain_taken", field="domain")
    else:
        domain = default_domain(db, settings, account.name)
    row = SipDomain(account_id=account.id, domain=domain, realm=domain)
    db.add(row)
    db.flush()
    return row


def get(scope: Scope) -> SipDomain:
    row = scope.db.scalar(select(SipDomain).where(SipDomain.account_id == scope.account_id))
    if row is None:  # pragma: no cover - every account gets one at creation or migration
        raise Conflict("This account has no SIP domain.", code="no_sip_domain")
    return row


def _taken_message(domain: str) -> str:
    return f"The SIP domain “{domain}” is already used by another account; choose another."


def _check_may_change(scope: Scope) -> None:
    """Only the primary administrator, among people, may rename the account's domain.

    An API token is the operator's and may; any other signed-in administrator may not
    (every phone of the account must be told the new domain).
    """
    if scope.actor.kind != "profile":
        return
    me = scope.db.scalar(select(Profile.id).where(Profile.public_id == scope.actor.id))
    if me is None or me != scope.account.primary_admin_id:
        raise PermissionDenied(
            "Only the primary administrator can change the SIP domain.",
            code="primary_admin_only",
        )


def _has_credentials(scope: Scope) -> bool:
    found = scope.db.scalar(
        select(SipCredential.id).where(SipCredential.account_id == scope.account_id).limit(1)
    )
    return found is not None


def change_domain(scope: Scope, value: str | None) -> SipDomain:
    """Rename the account's SIP domain; Kamailio reloads its domains after commit."""
    _check_may_change(scope)
    domain = clean_domain(value)
    row = get(scope)
    if domain == row.domain:
        return row
    if _taken(scope.db, domain, exclude_account=scope.account_id):
        raise Conflict(_taken_message(domain), code="sip_domain_taken", field="domain")
    before = row.domain
    row.domain = domain
    if not _has_credentials(scope):
        # No digest depends on the realm yet: let it follow, so realm = domain.
        row.realm = domain
    row.updated_at = utcnow()
    scope.db.flush()
    audit.record(
        scope,
        "settings.sip_domain_changed",
        target_type="account",
        target_id=str(scope.account_id),
        target_label=scope.account.name,
        before={"sip_domain": before},
        after={"sip_domain": domain},
    )
    actions.reload_domains(scope, reason=f"SIP domain changed from {before} to {domain}")
    return row
