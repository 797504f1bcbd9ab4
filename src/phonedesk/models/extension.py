"""A phone extension and the profile it is assigned to (R-E1–R-E5)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from phonedesk.models.base import Base, UTCDateTime, utcnow
from phonedesk.models.search_keys import fill_extension

# The four fields filled from the holder's profile, each with an "edited" flag that
# says the value was set on the extension itself and must not follow the profile.
POPULATED_FIELDS = ("caller_id_first_name", "caller_id_last_name", "voicemail_email", "fax_email")


class Extension(Base):
    __tablename__ = "extensions"
    __table_args__ = (UniqueConstraint("account_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    number: Mapped[str] = mapped_column(String(10))
    # NULL means held by the account's primary administrator (R-E1).
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id"), index=True)
    caller_id_first_name: Mapped[str] = mapped_column(String(50), default="")
    caller_id_last_name: Mapped[str] = mapped_column(String(50), default="")
    voicemail_email: Mapped[str] = mapped_column(String(254), default="")
    fax_email: Mapped[str] = mapped_column(String(254), default="")
    caller_id_first_name_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    caller_id_last_name_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    voicemail_email_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    fax_email_edited: Mapped[bool] = mapped_column(Boolean, default=False)
    virtual_office_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Number and caller ID name, folded (models.search_keys); never set by hand.
    search_text: Mapped[str] = mapped_column(
        Text().with_variant(Text(collation="C"), "postgresql"), default="")


@event.listens_for(Extension, "before_insert")
@event.listens_for(Extension, "before_update")
def _keep_search_key(_mapper: object, _connection: object, target: Extension) -> None:
    fill_extension(target)
