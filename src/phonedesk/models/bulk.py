"""A CSV import and its staged rows (R-C3–R-C7).

The staging table *is* the preview: each row holds the outcome, the final field
values the submit will write, the before/after of changed fields and every
error. Keeping it in the database lets a preview survive a restart and be read
from any app process, and lets submit apply the file with set-based SQL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow

VALIDATED = "validated"
REJECTED = "rejected"
APPLIED = "applied"

NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"
ERROR = "error"
OUTCOMES = (NEW, CHANGED, UNCHANGED, ERROR)


class ImportBatch(Base):
    """One uploaded file, tied to the account and actor that uploaded it (R-C7)."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unguessable: the only handle on a preview besides the account and actor.
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(40))
    actor_label: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12))
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(5))
    # Profile fields the file carries (custom-field columns may be left out, R-C5).
    columns: Mapped[list[Any] | None] = mapped_column(JSON)
    notices: Mapped[list[Any] | None] = mapped_column(JSON)
    file_errors: Mapped[list[Any] | None] = mapped_column(JSON)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    new_count: Mapped[int] = mapped_column(Integer, default=0)
    changed_count: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImportRow(Base):
    """One data row of a file: its outcome and the values submit will write.

    No foreign key to profiles: staging 100,000 rows should not pay for a
    lookup per row, and the submit joins on the account's profiles anyway.
    Text columns are unbounded because error rows keep what the file said.
    """

    __tablename__ = "import_rows"
    __table_args__ = (
        # Paging the preview, paging by outcome, and the "profile in this file"
        # probes of the uniqueness and staleness checks; nothing more, since
        # every index slows staging.
        Index("ix_import_rows_import_row", "import_id", "row_number"),
        Index("ix_import_rows_import_outcome", "import_id", "outcome", "row_number"),
        Index("ix_import_rows_import_profile", "import_id", "profile_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"))
    row_number: Mapped[int] = mapped_column(Integer)  # spreadsheet row, header = 1
    outcome: Mapped[str] = mapped_column(String(10))
    profile_id: Mapped[int | None] = mapped_column(Integer)  # existing profile, if any
    base_version: Mapped[int | None] = mapped_column(Integer)  # its version when validated
    public_id: Mapped[str | None] = mapped_column(Text)  # Internal ID (new: assigned)
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    username_key: Mapped[str | None] = mapped_column(Text)
    custom_field_1: Mapped[str | None] = mapped_column(Text)
    custom_field_2: Mapped[str | None] = mapped_column(Text)
    custom_field_3: Mapped[str | None] = mapped_column(Text)
    # Bit per changed field (see bulk.staging.FIELD_BITS), so SQL can pick them.
    changed_mask: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # field -> [before, after]
    # The Extensions cell, normalised ("201; 202"); None when the file has no such column.
    extensions: Mapped[str | None] = mapped_column(Text)
    # The assignment changes submit makes for this row (see bulk.assignments).
    assignments: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    errors: Mapped[list[Any] | None] = mapped_column(JSON)  # [{"column", "message"}]
