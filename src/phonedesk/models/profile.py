"""A user profile: a person or a place that can hold extensions (R-P1–R-P5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    event,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow
from phonedesk.models.search_keys import fill_profile

LIVE = text("archived_at IS NULL")
SORT_INDEXES = {
    "ix_profiles_sort_last": ("account_id", "sort_last", "sort_first", "id", "archived_at"),
    "ix_profiles_sort_first": ("account_id", "sort_first", "sort_last", "id", "archived_at"),
    "ix_profiles_sort_email": ("account_id", "sort_email", "id", "archived_at"),
    "ix_profiles_sort_username": ("account_id", "sort_username", "id", "archived_at"),
    "ix_profiles_sort_status": ("account_id", "status", "id", "archived_at"),
    "ix_profiles_sort_created": ("account_id", "created_at", "id", "archived_at"),
}

# Folded keys compare byte-wise on both databases ("C" on PostgreSQL, BINARY on SQLite).
FOLDED = Text().with_variant(Text(collation="C"), "postgresql")

ACTIVE = "active"
DISABLED = "disabled"

ROLE_ADMIN = "administrator"
ROLE_READ_ONLY = "read_only_administrator"
ROLE_PRIMARY = "primary_administrator"  # derived from Account.primary_admin_id, never stored


class Profile(Base):
    __tablename__ = "profiles"
    __table_args__ = (
        Index("ix_profiles_account_last_first", "account_id", "last_name", "first_name"),
        Index("ix_profiles_account_email", "account_id", "email"),
        Index("ix_profiles_account_external_id", "account_id", "external_id"),
        # One index per sort key, led by the account, ending in the id (keyset pages), over
        # live profiles only (what every list shows); archived_at last makes each covering
        # (SQLite still checks the partial predicate), so a deep offset walks the index alone.
        *(Index(name, *columns, sqlite_where=LIVE, postgresql_where=LIVE)
          for name, columns in SORT_INDEXES.items()),
        # Substring search on PostgreSQL; SQLite uses the FTS5 table profiles_fts.
        Index("ix_profiles_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Internal ID (R-P3): opaque, immutable, never reused.
    public_id: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(50))
    last_name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(254))
    username: Mapped[str] = mapped_column(String(30))
    # Case-folded username, unique across the installation (R-P2). Cleared when the
    # profile is archived so that the name is free again (R-D4).
    username_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    custom_field_1: Mapped[str | None] = mapped_column(String(100))
    custom_field_2: Mapped[str | None] = mapped_column(String(100))
    custom_field_3: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    # administrator / read_only_administrator; the primary role lives on Account.
    admin_role: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Derived from the fields above (models.search_keys); never set by hand.
    search_text: Mapped[str] = mapped_column(FOLDED, default="")
    sort_first: Mapped[str] = mapped_column(FOLDED, default="")
    sort_last: Mapped[str] = mapped_column(FOLDED, default="")
    sort_email: Mapped[str] = mapped_column(FOLDED, default="")
    sort_username: Mapped[str] = mapped_column(FOLDED, default="")

    # The one notion of "live" and "active", for an instance and in a query alike
    # (``select(Profile).where(Profile.is_active)``), so that no module spells them again.
    @hybrid_property
    def is_live(self) -> bool:
        """Not archived (R-D4): still in lists, the directory and SCIM."""
        return self.archived_at is None

    @is_live.inplace.expression
    @classmethod
    def _is_live_expression(cls) -> ColumnElement[bool]:
        return cls.archived_at.is_(None)

    @hybrid_property
    def is_active(self) -> bool:
        """Live and not disabled (R-D1): may sign in, hold extensions, have admin rights."""
        return self.status == ACTIVE and self.archived_at is None

    @is_active.inplace.expression
    @classmethod
    def _is_active_expression(cls) -> ColumnElement[bool]:
        return and_(cls.status == ACTIVE, cls.archived_at.is_(None))

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@event.listens_for(Profile, "before_insert")
@event.listens_for(Profile, "before_update")
def _keep_search_keys(_mapper: object, _connection: object, target: Profile) -> None:
    fill_profile(target)
