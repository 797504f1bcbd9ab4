"""bulk CSV imports: imports and their staged rows (R-C3)

Revision ID: 0003_bulk
Revises: 0001_core
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import phonedesk.models.base

revision = "0003_bulk"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=40), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=True),
        sa.Column("delimiter", sa.String(length=5), nullable=True),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("notices", sa.JSON(), nullable=True),
        sa.Column("file_errors", sa.JSON(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("new_count", sa.Integer(), nullable=False),
        sa.Column("changed_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("created_at", phonedesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", phonedesk.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", phonedesk.models.base.UTCDateTime(timezone=True),
                  nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_imports_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
        sa.UniqueConstraint("public_id", name=op.f("uq_imports_public_id")),
    )
    op.create_index("ix_imports_account_id", "imports", ["account_id"])
    op.create_index("ix_imports_expires_at", "imports", ["status", "expires_at"])
    op.create_table(
        "import_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=True),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("public_id", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("username_key", sa.Text(), nullable=True),
        sa.Column("custom_field_1", sa.Text(), nullable=True),
        sa.Column("custom_field_2", sa.Text(), nullable=True),
        sa.Column("custom_field_3", sa.Text(), nullable=True),
        sa.Column("changed_mask", sa.Integer(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"], ["imports.id"], name=op.f("fk_import_rows_import_id_imports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rows")),
    )
    op.create_index("ix_import_rows_import_row", "import_rows", ["import_id", "row_number"])
    op.create_index("ix_import_rows_import_outcome", "import_rows",
                    ["import_id", "outcome", "row_number"])
    op.create_index("ix_import_rows_import_profile", "import_rows", ["import_id", "profile_id"])


def downgrade() -> None:
    op.drop_table("import_rows")
    op.drop_table("imports")
