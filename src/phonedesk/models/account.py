"""An account: one business, the unit of isolation (R-AC1)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # Exactly one primary administrator per account (R-AC2). Nullable only for the
    # instant between creating the account and its first profile.
    primary_admin_id: Mapped[int | None] = mapped_column(
        ForeignKey("profiles.id", use_alter=True, name="fk_accounts_primary_admin_id_profiles"),
        nullable=True,
    )
    # Custom field header labels (R-P4): a field is enabled by having a label.
    custom_field_1_label: Mapped[str | None] = mapped_column(String(50))
    custom_field_2_label: Mapped[str | None] = mapped_column(String(50))
    custom_field_3_label: Mapped[str | None] = mapped_column(String(50))
    # Columns shown in the User Profiles table (R-C1).
    visible_columns: Mapped[list[Any] | None] = mapped_column(JSON)
    # An IANA time zone name: every time the pages show is in it (UTC when unset).
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def custom_labels(self) -> dict[int, str]:
        """The enabled custom fields, by number, with their header labels."""
        labels = {
            1: self.custom_field_1_label,
            2: self.custom_field_2_label,
            3: self.custom_field_3_label,
        }
        return {n: label for n, label in labels.items() if label}
