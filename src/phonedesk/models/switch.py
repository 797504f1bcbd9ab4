"""What the switch reads (R-SW1, R-SW2, R-SW3): SIP domains and SIP credentials.

Kamailio never reads these tables directly: it reads the versioned views of the
switch contract (``phonedesk.switch.contract``) built over them, so the tables
can change shape as long as the views keep theirs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow

DEVICE = "device"  # the desk phone's credential, one per extension (R-SW2)
SOFTPHONE = "softphone"  # a portal user's mobile app on one extension (R-SW3)
CREDENTIAL_KINDS = (DEVICE, SOFTPHONE)


class SipDomain(Base):
    """An account's SIP domain (R-SW1) and the digest realm of its credentials.

    The realm starts as the first domain and is fixed once the account's first SIP
    password exists: a stored digest is ``MD5(user:realm:password)``, so keeping the
    realm keeps every phone's password valid when the primary administrator renames
    the domain. Both are unique in the installation, so a realm names one account.
    """

    __tablename__ = "sip_domains"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)  # lower case
    realm: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SipCredential(Base):
    """A SIP username and the digests of its password: never the password itself.

    ``device``: the extension's desk phone, username = the extension number.
    ``softphone``: a profile's mobile app on the extension, with a username of its
    own (never all digits, so it cannot clash with a number); the contract only
    lets it authenticate while that profile holds the extension, is active and
    the extension has Virtual Office enabled (R-SW3, R-V2, R-D1, R-D2).
    """

    __tablename__ = "sip_credentials"
    __table_args__ = (
        UniqueConstraint("account_id", "auth_username"),
        Index("ix_sip_credentials_extension_kind", "extension_id", "kind"),
        # One desk phone credential per extension.
        Index(
            "uq_sip_credentials_device",
            "extension_id",
            unique=True,
            sqlite_where=text("kind = 'device'"),
            postgresql_where=text("kind = 'device'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    extension_id: Mapped[int] = mapped_column(ForeignKey("extensions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id"), index=True)
    auth_username: Mapped[str] = mapped_column(String(64))
    # HA1 = H(username:realm:password), HA1B = H(username@realm:realm:password).
    ha1: Mapped[str] = mapped_column(String(32))
    ha1b: Mapped[str] = mapped_column(String(32))
    ha1_sha256: Mapped[str] = mapped_column(String(64))
    ha1b_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the password was last generated (creation or reset).
    rotated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SoftphoneProvisioning(Base):
    """A one-time link that hands a softphone its settings (R-SW3).

    The link's token is never stored, only its SHA-256 (``token_hash``); the
    password it carries is stored sealed with a key derived from that token, so
    the database alone cannot read it. Fetching the link deletes the row.
    """

    __tablename__ = "softphone_provisioning"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("sip_credentials.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sealed_password: Mapped[str] = mapped_column(String(128))  # hex
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
