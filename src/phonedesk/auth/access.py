"""Who may sign in where (R-V2, R-AD1, R-D1): one place, asked on every request."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from phonedesk.models import Account, Extension, Profile
from phonedesk.profiles.roles import admin_can_write, is_admin

__all__ = ["admin_can_write", "has_virtual_office_extension", "is_admin", "may_use_admin",
           "may_use_portal"]


def may_use_admin(account: Account, profile: Profile) -> bool:
    """The Account Manager: an active profile with a password and admin rights."""
    return profile.password_hash is not None and is_admin(account, profile)


def has_virtual_office_extension(db: Session, profile: Profile) -> bool:
    return bool(
        db.scalar(
            select(
                exists().where(
                    Extension.profile_id == profile.id,
                    Extension.virtual_office_enabled.is_(True),
                )
            )
        )
    )


def may_use_portal(db: Session, account: Account, profile: Profile) -> bool:
    """Virtual Office: active, a password, and a Virtual-Office extension or admin rights."""
    if not profile.is_active or profile.password_hash is None:
        return False
    return is_admin(account, profile) or has_virtual_office_extension(db, profile)
