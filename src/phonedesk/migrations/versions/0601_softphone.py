"""softphones: one-time provisioning links of softphone credentials

Revision ID: 0601_softphone
Revises: 0201_switch
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import phonedesk.models.base

revision = "0601_softphone"
down_revision = "0201_switch"
branch_labels = None
depends_on = None

UTC = phonedesk.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "softphone_provisioning",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_password", sa.String(length=128), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"],
            name=op.f("fk_softphone_provisioning_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"], ["sip_credentials.id"],
            name=op.f("fk_softphone_provisioning_credential_id_sip_credentials"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_softphone_provisioning")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_softphone_provisioning_token_hash")),
    )
    op.create_index(op.f("ix_softphone_provisioning_account_id"), "softphone_provisioning",
                    ["account_id"])
    op.create_index(op.f("ix_softphone_provisioning_credential_id"), "softphone_provisioning",
                    ["credential_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_softphone_provisioning_credential_id"),
                  table_name="softphone_provisioning")
    op.drop_index(op.f("ix_softphone_provisioning_account_id"),
                  table_name="softphone_provisioning")
    op.drop_table("softphone_provisioning")
