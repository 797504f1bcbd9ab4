"""imports carry extension assignments: the Extensions cell and the planned changes

Revision ID: 0501_import_assignments
Revises: 0201_switch
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0501_import_assignments"
down_revision = "0201_switch"
branch_labels = None
depends_on = "0003_bulk"  # import_rows is created there


def upgrade() -> None:
    with op.batch_alter_table("import_rows") as batch:
        batch.add_column(sa.Column("extensions", sa.Text(), nullable=True))
        batch.add_column(sa.Column("assignments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_rows") as batch:
        batch.drop_column("assignments")
        batch.drop_column("extensions")
