"""How an extension's caller ID and notification addresses follow its holder.

One rule (R-E3, R-E4, R-D1, R-D2) in one place: an extension's four populated
fields come from its *holder* — the assigned profile, or the primary
administrator when none is assigned — except where the field was edited on the
extension itself. Assignment and reassignment repopulate and clear those edits;
a later change to the holder flows only to fields that were not edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select, update
from sqlalchemy.orm import Session

from phonedesk import search
from phonedesk.models import Account, Extension, Profile
from phonedesk.models.base import utcnow

# extension field -> profile attribute it is filled from
SOURCES = {
    "caller_id_first_name": "first_name",
    "caller_id_last_name": "last_name",
    "voicemail_email": "email",
    "fax_email": "email",
}
# The populated fields that are part of an extension's search text (models.search_keys).
SEARCHED = frozenset({"caller_id_first_name", "caller_id_last_name"})


def populate(extension: Extension, holder: Profile | None) -> None:
    """Fill every populated field from ``holder`` and clear per-extension edits."""
    for field, source in SOURCES.items():
        setattr(extension, field, getattr(holder, source) if holder is not None else "")
        setattr(extension, f"{field}_edited", False)
    extension.version = (extension.version or 0) + 1
    extension.updated_at = utcnow()


def held_by(account: Account, profile: Profile) -> ColumnElement[bool]:
    """Extensions whose holder is ``profile``: assigned to it, or held as the PA (R-E1).

    The one definition of "a profile's extensions" for population, the portal
    and voicemail access (R-M1).
    """
    if account.primary_admin_id == profile.id:
        return or_(Extension.profile_id == profile.id, Extension.profile_id.is_(None))
    return Extension.profile_id == profile.id


def _update_unedited(
    db: Session, account: Account, ext_field: str, holders: ColumnElement[bool], value: Any,
    *, synchronize: bool = True,
) -> None:
    """One UPDATE: ``ext_field`` := ``value`` on the extensions of ``holders`` where it
    was not edited on the extension (R-E4). It bumps each extension's version, so
    its ETag changes with it."""
    now = utcnow()
    db.execute(
        update(Extension)
        .where(
            Extension.account_id == account.id,
            holders,
            getattr(Extension, f"{ext_field}_edited").is_(False),
        )
        .values({ext_field: value, "updated_at": now, "version": Extension.version + 1})
        .execution_options(synchronize_session="fetch" if synchronize else False)
    )
    if ext_field in SEARCHED:
        search.refresh_extensions(db, account.id, now)


def flow_profile_changes(db: Session, account: Account, profile: Profile, fields: set[str]) -> None:
    """Copy changed profile fields to every unedited extension field it holds (R-E4).

    Set-based: one UPDATE per affected extension field, whatever the number of
    extensions.
    """
    for ext_field, source in SOURCES.items():
        if source in fields:
            _update_unedited(db, account, ext_field, held_by(account, profile),
                             getattr(profile, source))


def release_to_primary_admin(
    db: Session, account: Account, primary_admin: Profile, profile_id: int | None = None,
    extension_id: int | None = None,
) -> None:
    """Hand extensions back to the PA (R-D1, R-D2), set-based.

    Either every extension of ``profile_id`` or the single ``extension_id``.
    """
    now = utcnow()
    stmt = update(Extension).where(Extension.account_id == account.id)
    if extension_id is not None:
        stmt = stmt.where(Extension.id == extension_id)
    else:
        stmt = stmt.where(Extension.profile_id == profile_id)
    values: dict[str, object] = {
        "profile_id": None,
        "version": Extension.version + 1,
        "updated_at": now,
    }
    for field, source in SOURCES.items():
        values[field] = getattr(primary_admin, source)
        values[f"{field}_edited"] = False
    db.execute(stmt.values(values).execution_options(synchronize_session="fetch"))
    search.refresh_extensions(db, account.id, now)


def repopulate_held(db: Session, account: Account, primary_admin: Profile) -> None:
    """After a PA transfer, unedited fields of held extensions follow the new PA."""
    for ext_field, source in SOURCES.items():
        _update_unedited(db, account, ext_field, Extension.profile_id.is_(None),
                         getattr(primary_admin, source))


def flow_many_profile_changes(
    db: Session, account: Account, changed: Mapping[str, Select[Any]]
) -> None:
    """R-E4 for many profiles at once (a CSV import), set-based.

    ``changed[source]`` selects the ids of the profiles whose ``source`` field
    (first_name, last_name or email) changed. Each extension field fed by it is
    copied from the extension's holder unless it was edited on the extension;
    extensions held by the PA follow the PA when the PA is among them. One
    UPDATE per extension field, whatever the number of profiles.
    """
    pa_id = account.primary_admin_id
    holder = func.coalesce(Extension.profile_id, pa_id)
    for ext_field, source in SOURCES.items():
        ids = changed.get(source)
        if ids is None:
            continue
        held: ColumnElement[bool] = Extension.profile_id.in_(ids)
        if pa_id is not None:
            held = or_(held, and_(Extension.profile_id.is_(None), literal(pa_id).in_(ids)))
        value = select(getattr(Profile, source)).where(Profile.id == holder).scalar_subquery()
        _update_unedited(db, account, ext_field, held, value, synchronize=False)
