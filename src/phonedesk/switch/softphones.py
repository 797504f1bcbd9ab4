"""Softphone credentials: a portal user's mobile app on one of their extensions (R-SW3).

A softphone credential belongs to one profile on one extension. Its SIP username
is ``NUMBER-app`` (never all digits, so it never clashes with an extension) and it
registers the extension's own address, ``NUMBER@DOMAIN``: a call to the extension
rings the desk phone and the softphone at once (Kamailio forks to every contact).
Its password is shown once, like the desk phone's, and stored only as digests.

It lives only while the profile holds the extension, is active and the extension
has Virtual Office enabled. The contract's subscriber view applies that rule on
every SIP request, so the credential is refused from the very next one whatever
happens here; :func:`revoke_lost` then deletes the credentials the rule no longer
admits and, after commit, ends their registrations through the outbox (R-D1,
R-D2, R-V2, R-SW7). The desk phone is left alone: the extension is the PA's now.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from phonedesk.audit import service as audit
from phonedesk.errors import Conflict, NotFound
from phonedesk.models import Extension, Profile, SipCredential
from phonedesk.models.base import utcnow
from phonedesk.models.profile import ACTIVE
from phonedesk.models.switch import SOFTPHONE
from phonedesk.scope import Scope
from phonedesk.switch import actions, domains, provisioning
from phonedesk.switch.credentials import IssuedCredential, digests, generate_password


def username_for(number: str) -> str:
    return f"{number}-app"


@dataclass(frozen=True)
class IssuedSoftphone:
    """Shown once: the SIP settings, and the one-time link the QR code carries."""

    sip: IssuedCredential
    extension: str  # the SIP user of the address it registers (NUMBER@DOMAIN)
    provisioning_url: str
    replaced: bool


def _own_extension(scope: Scope, profile: Profile, number: str) -> Extension:
    extension = scope.db.scalar(select(Extension).where(
        Extension.account_id == scope.account_id, Extension.number == number,
        Extension.profile_id == profile.id))
    if extension is None:
        raise NotFound(f"Extension {number} is not one of yours.", code="extension_not_found")
    if not extension.virtual_office_enabled or not profile.is_active:
        raise Conflict(f"The mobile app needs Virtual Office on extension {number}; ask your "
                       "administrator to enable it.", code="virtual_office_disabled")
    return extension


def issue(scope: Scope, profile: Profile, number: str) -> IssuedSoftphone:
    """Create, or replace, ``profile``'s softphone credential on its extension ``number``.

    Replacing refuses the old password from the next request and ends the
    registrations it made, after commit; the desk phone keeps its own.
    """
    extension = _own_extension(scope, profile, number)
    sip = domains.get(scope)
    existing = list(scope.db.scalars(select(SipCredential).where(
        SipCredential.extension_id == extension.id, SipCredential.kind == SOFTPHONE)))
    for row in existing:
        scope.db.delete(row)
    scope.db.flush()
    password = generate_password()
    username = username_for(extension.number)
    values = digests(username, sip.realm, password)
    credential = SipCredential(
        account_id=scope.account_id, extension_id=extension.id, kind=SOFTPHONE,
        profile_id=profile.id, auth_username=username, ha1=values.ha1, ha1b=values.ha1b,
        ha1_sha256=values.ha1_sha256, ha1b_sha256=values.ha1b_sha256, rotated_at=utcnow())
    scope.db.add(credential)
    scope.db.flush()
    issued = IssuedCredential(username=username, domain=sip.domain, realm=sip.realm,
                              proxy=scope.settings.switch_proxy, password=password)
    url = provisioning.create_link(scope, credential, issued, extension.number)
    audit.record(scope, "extension.softphone_replaced" if existing else
                 "extension.softphone_created", target_type="extension",
                 target_id=extension.number, target_label=f"Extension {extension.number}",
                 detail={"sip_username": username, "for": profile.display_name})
    if existing:
        actions.end_registrations(scope, number=extension.number, domain=sip.domain,
                                  kinds=[SOFTPHONE], why="mobile app password replaced")
    return IssuedSoftphone(sip=issued, extension=extension.number, provisioning_url=url,
                           replaced=bool(existing))


def has_softphone(scope: Scope, profile: Profile, extension: Extension) -> bool:
    return scope.db.scalar(select(SipCredential.id).where(
        SipCredential.extension_id == extension.id, SipCredential.kind == SOFTPHONE,
        SipCredential.profile_id == profile.id)) is not None


def revoke_lost(scope: Scope, why: str) -> list[str]:
    """Delete the account's softphone credentials whose access went; end their registrations.

    The same rule as the contract's subscriber view, so what it refuses is what
    goes: the profile no longer holds the extension (R-D2, or R-D1 moved it to the
    PA), the profile is not active (R-D1), or Virtual Office is off (R-V2).
    Returns the extension numbers whose softphone went.
    """
    # Spelt as "any reason to refuse" (not NOT(valid)): a NULL holder must count.
    refused = or_(Extension.profile_id.is_(None),
                  Extension.profile_id != SipCredential.profile_id,
                  Extension.virtual_office_enabled.is_(False),
                  Profile.id.is_(None), Profile.status != ACTIVE,
                  Profile.archived_at.is_not(None))
    lost = scope.db.execute(
        select(SipCredential, Extension.number)
        .join(Extension, Extension.id == SipCredential.extension_id)
        .outerjoin(Profile, Profile.id == SipCredential.profile_id)
        .where(SipCredential.account_id == scope.account_id, SipCredential.kind == SOFTPHONE,
               refused)
    ).all()
    if not lost:
        return []
    domain = domains.get(scope).domain
    numbers = []
    for credential, number in lost:
        scope.db.delete(credential)
        numbers.append(number)
        audit.record(scope, "extension.softphone_revoked", target_type="extension",
                     target_id=number, target_label=f"Extension {number}",
                     detail={"sip_username": credential.auth_username, "reason": why})
        actions.end_registrations(scope, number=number, domain=domain, kinds=[SOFTPHONE],
                                  why=why)
    scope.db.flush()
    return numbers
