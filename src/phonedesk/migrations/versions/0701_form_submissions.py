"""form submissions: a form that creates something is acted on once per key

Revision ID: 0701_form_submissions
Revises: 0201_switch
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import phonedesk.models.base

revision = "0701_form_submissions"
down_revision = "0201_switch"
branch_labels = None
depends_on = None

UTC = phonedesk.models.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "form_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("notice", sa.String(length=500), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_submissions")),
        sa.UniqueConstraint("key", name=op.f("uq_form_submissions_key")),
    )
    op.create_index(op.f("ix_form_submissions_created_at"), "form_submissions",
                    ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_form_submissions_created_at"), table_name="form_submissions")
    op.drop_table("form_submissions")
