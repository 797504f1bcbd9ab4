"""index for SCIM look-ups by externalId

Revision ID: 0006_scim
Revises: 0001_core
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0006_scim"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Identity providers that match on externalId look every user up by it (R-S1).
    op.create_index(
        "ix_profiles_account_external_id", "profiles", ["account_id", "external_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_profiles_account_external_id", table_name="profiles")
