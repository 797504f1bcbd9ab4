"""the switch: SIP domains, SIP credentials, switch actions in the outbox, contract v1

Revision ID: 0201_switch
Revises: 0001_core
Create Date: 2026-11-24
"""

from __future__ import annotations

import os
import re
import unicodedata

import sqlalchemy as sa
from alembic import op

import phonedesk.models.base
from phonedesk.switch import contract

revision = "0201_switch"
down_revision = "0001_core"
branch_labels = None
depends_on = None

UTC = phonedesk.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "sip_domains",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("realm", sa.String(length=253), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sip_domains_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sip_domains")),
        sa.UniqueConstraint("account_id", name=op.f("uq_sip_domains_account_id")),
        sa.UniqueConstraint("domain", name=op.f("uq_sip_domains_domain")),
        sa.UniqueConstraint("realm", name=op.f("uq_sip_domains_realm")),
    )
    op.create_table(
        "sip_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("extension_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("auth_username", sa.String(length=64), nullable=False),
        sa.Column("ha1", sa.String(length=32), nullable=False),
        sa.Column("ha1b", sa.String(length=32), nullable=False),
        sa.Column("ha1_sha256", sa.String(length=64), nullable=False),
        sa.Column("ha1b_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("rotated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_sip_credentials_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["extension_id"], ["extensions.id"],
            name=op.f("fk_sip_credentials_extension_id_extensions"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"], ["profiles.id"], name=op.f("fk_sip_credentials_profile_id_profiles")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sip_credentials")),
        sa.UniqueConstraint(
            "account_id", "auth_username", name=op.f("uq_sip_credentials_account_id_auth_username")
        ),
    )
    op.create_index(
        op.f("ix_sip_credentials_account_id"), "sip_credentials", ["account_id"]
    )
    op.create_index(
        op.f("ix_sip_credentials_profile_id"), "sip_credentials", ["profile_id"]
    )
    op.create_index(
        "ix_sip_credentials_extension_kind", "sip_credentials", ["extension_id", "kind"]
    )
    op.create_index(
        "uq_sip_credentials_device", "sip_credentials", ["extension_id"], unique=True,
        sqlite_where=sa.text("kind = 'device'"), postgresql_where=sa.text("kind = 'device'"),
    )
    op.add_column(
        "outbox_messages",
        sa.Column("channel", sa.String(length=10), server_default="email", nullable=False),
    )
    _give_existing_accounts_a_domain()
    contract.create_v1(op.get_bind())


def _label(name: str) -> str:
    """A DNS label from an account name (the rule of switch.domains, frozen here)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    label = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-")
    return label or "account"


def _give_existing_accounts_a_domain() -> None:
    """Every account has a SIP domain (R-SW1): existing ones get <name>-<id>.<suffix>."""
    suffix = os.environ.get("PHONEDESK_SWITCH_DOMAIN_SUFFIX", "sip.localhost").strip(".").lower()
    bind = op.get_bind()
    accounts = bind.execute(sa.text("SELECT id, name FROM accounts ORDER BY id")).all()
    now = phonedesk.models.base.utcnow()
    table = sa.table(
        "sip_domains",
        sa.column("account_id", sa.Integer),
        sa.column("domain", sa.String),
        sa.column("realm", sa.String),
        sa.column("created_at", UTC(timezone=True)),
        sa.column("updated_at", UTC(timezone=True)),
    )
    rows = []
    for account_id, name in accounts:
        domain = f"{_label(name)}-{account_id}.{suffix}"
        rows.append({"account_id": account_id, "domain": domain, "realm": domain,
                     "created_at": now, "updated_at": now})
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    contract.drop_v1(op.get_bind())
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("channel")
    op.drop_index("uq_sip_credentials_device", table_name="sip_credentials")
    op.drop_index("ix_sip_credentials_extension_kind", table_name="sip_credentials")
    op.drop_index(op.f("ix_sip_credentials_profile_id"), table_name="sip_credentials")
    op.drop_index(op.f("ix_sip_credentials_account_id"), table_name="sip_credentials")
    op.drop_table("sip_credentials")
    op.drop_table("sip_domains")
