"""One-time links that hand a softphone its settings: Linphone remote provisioning (R-SW3).

The QR code shown with a new softphone credential holds a URL such as
``BASE_URL/provisioning/linphone/TOKEN.xml``. Linphone (and apps built on it)
scans it as *Fetch remote configuration* and reads the XML (Linphone's
``lpconfig`` format: a ``proxy_0`` and an ``auth_info_0`` section) with the
account, its password, the domain and the outbound proxy.

The link works once and for a short time (``PHONEDESK_SOFTPHONE_LINK_MINUTES``).
PhoneDesk stores the SHA-256 of its token and the password sealed with a key
derived from the token, never the token, so the database alone cannot read the
password. Fetching the link deletes it; so do a new credential and the end of
the credential (the row goes with it).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from xml.sax.saxutils import escape

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from phonedesk.errors import NotFound
from phonedesk.models import Extension, SipCredential, SoftphoneProvisioning
from phonedesk.models.base import utcnow
from phonedesk.models.switch import SipDomain
from phonedesk.scope import Scope
from phonedesk.switch.credentials import IssuedCredential

PATH = "/provisioning/linphone/"
CONTENT_TYPE = "application/xml"
_GONE = ("This setup link was already used, has expired or was replaced. Open Virtual Office "
         "and choose Set up the mobile app again.")


def _digest(token: str) -> str:
    return hashlib.sha256(b"lookup:" + token.encode()).hexdigest()


def _pad(token: str, size: int) -> bytes:
    stream = b""
    counter = 0
    while len(stream) < size:
        stream += hashlib.sha256(f"seal:{counter}:{token}".encode()).digest()
        counter += 1
    return stream[:size]


def _seal(token: str, password: str) -> str:
    raw = password.encode()
    return bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw)), strict=True)).hex()


def _unseal(token: str, sealed: str) -> str:
    raw = bytes.fromhex(sealed)
    return bytes(a ^ b for a, b in zip(raw, _pad(token, len(raw)), strict=True)).decode()


def create_link(scope: Scope, credential: SipCredential, issued: IssuedCredential,
                number: str) -> str:
    """A one-time URL of this credential's settings (replacing any earlier link)."""
    token = secrets.token_urlsafe(32)
    scope.db.execute(delete(SoftphoneProvisioning).where(
        SoftphoneProvisioning.account_id == scope.account_id,
        SoftphoneProvisioning.expires_at <= utcnow()))
    scope.db.add(SoftphoneProvisioning(
        account_id=scope.account_id, credential_id=credential.id, token_hash=_digest(token),
        sealed_password=_seal(token, issued.password),
        expires_at=utcnow() + timedelta(minutes=scope.settings.softphone_link_minutes)))
    scope.db.flush()
    return f"{scope.settings.base_url.rstrip('/')}{PATH}{token}.xml"


def redeem(db: Session, proxy: str, token: str) -> str:
    """The XML of a live link, which is spent by reading it; NotFound otherwise."""
    token = token.removesuffix(".xml")
    if not token or len(token) > 100:
        raise NotFound(_GONE, code="provisioning_link_invalid")
    row = db.scalar(select(SoftphoneProvisioning)
                    .where(SoftphoneProvisioning.token_hash == _digest(token))
                    .with_for_update())
    if row is None or row.expires_at <= utcnow():
        raise NotFound(_GONE, code="provisioning_link_invalid")
    db.delete(row)
    db.flush()
    found = db.execute(
        select(SipCredential, Extension.number, SipDomain)
        .join(Extension, Extension.id == SipCredential.extension_id)
        .join(SipDomain, SipDomain.account_id == SipCredential.account_id)
        .where(SipCredential.id == row.credential_id)).first()
    if found is None:
        raise NotFound(_GONE, code="provisioning_link_invalid")
    credential, number, sip = found
    return linphone_xml(IssuedCredential(
        username=credential.auth_username, domain=sip.domain, realm=sip.realm, proxy=proxy,
        password=_unseal(token, row.sealed_password)), number)


def linphone_xml(sip: IssuedCredential, number: str) -> str:
    """Linphone's remote-provisioning document for one account."""
    def entry(name: str, value: str) -> str:
        return f'    <entry name="{name}" overwrite="true">{escape(value)}</entry>'

    identity = f"sip:{number}@{sip.domain}"
    proxy = f"<sip:{sip.proxy};transport=udp>"
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<config xmlns="http://www.linphone.org/xsds/lpconfig.xsd">',
        '  <section name="proxy_0">',
        entry("reg_identity", identity),
        entry("reg_proxy", proxy),
        entry("reg_route", proxy),
        entry("reg_expires", "3600"),
        entry("reg_sendregister", "1"),
        entry("realm", sip.realm),
        '  </section>',
        '  <section name="auth_info_0">',
        entry("username", number),
        entry("userid", sip.username),
        entry("passwd", sip.password),
        entry("realm", sip.realm),
        entry("domain", sip.domain),
        '  </section>',
        '</config>',
        "",
    ])
