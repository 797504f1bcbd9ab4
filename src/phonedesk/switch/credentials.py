"""Device credentials: the desk phone's SIP password of each extension (R-SW2).

A password is generated, shown once (at creation and at each reset) and never
stored: the database keeps only the digests Kamailio checks, ``HA1`` and
``HA1B`` for MD5 and the same for SHA-256 (Kamailio 5.6 offers one algorithm per
installation, ``PHONEDESK_SWITCH_DIGEST_ALGORITHM``). The digests are computed
over the account's realm, which never changes, so renaming the SIP domain keeps
every password valid.

Kamailio looks credentials up on every REGISTER and INVITE, so a reset refuses
the old password from the next request on; the registration the old password
made is ended over JSON-RPC after commit (``switch.actions``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from phonedesk.audit import service as audit
from phonedesk.models import Extension, SipCredential
from phonedesk.models.base import utcnow
from phonedesk.models.switch import CREDENTIAL_KINDS, DEVICE
from phonedesk.scope import Scope
from phonedesk.switch import actions, domains

# Lower-case letters and digits a person can enter on a desk phone's keypad menu,
# without the look-alikes 0/o, 1/l/i: 31 symbols, so 20 of them carry 99 bits.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_LENGTH = 20


def generate_password() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))


@dataclass(frozen=True)
class Digests:
    ha1: str
    ha1b: str
    ha1_sha256: str
    ha1b_sha256: str


def digests(username: str, realm: str, password: str) -> Digests:
    """RFC 2617/7616 HA1 values: ``H(user:realm:password)`` and ``H(user@realm:realm:password)``."""
    plain = f"{username}:{realm}:{password}".encode()
    with_domain = f"{username}@{realm}:{realm}:{password}".encode()
    return Digests(
        ha1=hashlib.md5(plain, usedforsecurity=False).hexdigest(),
        ha1b=hashlib.md5(with_domain, usedforsecurity=False).hexdigest(),
        ha1_sha256=hashlib.sha256(plain).hexdigest(),
        ha1b_sha256=hashlib.sha256(with_domain).hexdigest(),
    )


@dataclass(frozen=True)
class IssuedCredential:
    """What a phone needs, returned once to the person who asked (never logged)."""

    username: str
    domain: str
    realm: str
    proxy: str
    password: str = field(repr=False)


def _device_of(scope: Scope, extension: Extension) -> SipCredential | None:
    return scope.db.scalar(
        select(SipCredential).where(
            SipCredential.extension_id == extension.id, SipCredential.kind == DEVICE
        )
    )


def issue_device(scope: Scope, extension: Extension) -> IssuedCredential:
    """A new desk phone password for ``extension`` (created, or reset).

    A reset ends the registration the old password made, after commit.
    """
    sip = domains.get(scope)
    password = generate_password()
    values = digests(extension.number, sip.realm, password)
    credential = _device_of(scope, extension)
    resetting = credential is not None
    if credential is None:
        credential = SipCredential(
            account_id=scope.account_id, extension_id=extension.id, kind=DEVICE,
            auth_username=extension.number,
        )
        scope.db.add(credential)
    credential.ha1, credential.ha1b = values.ha1, values.ha1b
    credential.ha1_sha256, credential.ha1b_sha256 = values.ha1_sha256, values.ha1b_sha256
    credential.rotated_at = utcnow()
    scope.db.flush()
    audit.record(
        scope,
        "extension.sip_password_reset" if resetting else "extension.sip_password_created",
        target_type="extension",
        target_id=extension.number,
        target_label=f"Extension {extension.number}",
        detail={"sip_username": extension.number, "sip_domain": sip.domain},
    )
    if resetting:
        actions.end_registrations(scope, number=extension.number, domain=sip.domain,
                                  kinds=[DEVICE], why="SIP password reset")
    return IssuedCredential(username=extension.number, domain=sip.domain, realm=sip.realm,
                            proxy=scope.settings.switch_proxy, password=password)


def has_device(scope: Scope, extension: Extension) -> bool:
    return _device_of(scope, extension) is not None


def remove_all(scope: Scope, extension: Extension) -> None:
    """Delete every credential of ``extension`` and end all its registrations."""
    rows = list(scope.db.scalars(
        select(SipCredential).where(SipCredential.extension_id == extension.id)
    ))
    for row in rows:
        scope.db.delete(row)
    scope.db.flush()
    actions.end_registrations(scope, number=extension.number, domain=domains.get(scope).domain,
                              kinds=list(CREDENTIAL_KINDS), why="extension deleted")
