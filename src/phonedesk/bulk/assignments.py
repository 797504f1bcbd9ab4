"""Extension assignments in the CSV file: the Extensions column (R-E1, R-E2, R-D2, R-V1).

A row's Extensions cell lists the profile's extension numbers ("201; 202").
After the file is staged, :func:`plan` compares every row with the account's
extensions and stores, per row, the numbers submit will assign (creating an
extension whose number is new) and those it takes away (the PA then holds
them, R-D2), with the R-V1 email each assignment sends; the preview shows
exactly that. :func:`apply` makes those changes at submit through the
extension services (the same calls as Edit Extension and Add Extension, SIP
credential included), after checking nothing moved since validation.

The work here grows with the number of assignment *changes* (each one is an
email and an audit event), never with the number of rows in the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from phonedesk.bulk.columns import EXTENSIONS_LABEL
from phonedesk.errors import PreconditionFailed, ValidationFailed
from phonedesk.extensions import lifecycle
from phonedesk.extensions import service as extensions
from phonedesk.models import Extension, ImportRow, Profile
from phonedesk.models.bulk import ERROR
from phonedesk.scope import Scope
from phonedesk.switch.credentials import IssuedCredential

_SPLIT = re.compile(r"[;,\s]+")
_CHUNK = 5000  # ids per IN list (PostgreSQL takes at most 65,535 parameters)
SETUP, EXISTING, NO_PORTAL = "assigned_setup", "assigned_existing_password", "assigned_no_portal"
EMAIL_LABELS = {
    SETUP: "a link to create a password",
    EXISTING: "sign in with the password they already have",
    NO_PORTAL: "no password instructions (Virtual Office is off)",
}


def _order(number: str) -> tuple[int, str]:
    return len(number), number


def fmt(numbers: Iterable[str]) -> str:
    """The cell as PhoneDesk writes it: numbers in numeric order, "; " between them."""
    return "; ".join(sorted(set(numbers), key=_order))


def parse(raw: str) -> tuple[list[str], list[str]]:
    """(valid numbers, cells that are not extension numbers) of one Extensions cell."""
    good: list[str] = []
    bad: list[str] = []
    for part in _SPLIT.split(raw.strip()):
        if not part:
            continue
        try:
            number = extensions.clean_number(part)
        except ValidationFailed:
            bad.append(part)
            continue
        if number not in good:
            good.append(number)
    return sorted(good, key=_order), bad


def numbers_of(db: Session, account_id: int, profile_ids: Iterable[int]) -> dict[int, str]:
    """Each profile's Extensions cell, for the profiles given (one query)."""
    ids = list(profile_ids)
    found: dict[int, list[str]] = {}
    if ids:
        for pid, number in db.execute(
            select(Extension.profile_id, Extension.number)
            .where(Extension.account_id == account_id, Extension.profile_id.in_(ids))
        ):
            if pid is not None:
                found.setdefault(pid, []).append(number)
    return {pid: fmt(found.get(pid, [])) for pid in ids}


# --- planning, after the file is staged ----------------------------------------------


@dataclass
class _Plan:
    added: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    removed: dict[int, list[str]] = field(default_factory=dict)
    errors: dict[int, list[str]] = field(default_factory=dict)


def _holder_names(db: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {pid: f"{first} {last}" for pid, first, last in db.execute(
        select(Profile.id, Profile.first_name, Profile.last_name).where(Profile.id.in_(ids)))}


def _with_password(db: Session, ids: set[int]) -> set[int]:
    """The profiles among ``ids`` that have a password, in chunks (bounded parameter lists)."""
    found: set[int] = set()
    listed = sorted(ids)
    for start in range(0, len(listed), _CHUNK):
        found.update(db.scalars(select(Profile.id).where(
            Profile.id.in_(listed[start:start + _CHUNK]), Profile.password_hash.is_not(None))))
    return found


def _compute(db: Session, account_id: int, import_id: int) -> _Plan:
    exts = {n: (pid, vo) for n, pid, vo in db.execute(
        select(Extension.number, Extension.profile_id, Extension.virtual_office_enabled)
        .where(Extension.account_id == account_id))}
    holders = {pid for pid, _ in exts.values() if pid is not None}
    # Only rows that list numbers or whose profile holds some: a 100,000-row file with
    # empty cells reads a handful of rows here.
    holding = select(Extension.profile_id).where(Extension.account_id == account_id,
                                                 Extension.profile_id.is_not(None))
    found = db.execute(
        select(ImportRow.id, ImportRow.profile_id, ImportRow.extensions, ImportRow.outcome)
        .where(ImportRow.import_id == import_id, ImportRow.extensions.is_not(None),
               or_(ImportRow.extensions != "", ImportRow.profile_id.in_(holding)))
    ).all()
    in_file = {pid for _, pid, _, _ in found if pid is not None}
    rows = [(row_id, pid, cell) for row_id, pid, cell, outcome in found if outcome != ERROR]
    with_password = _with_password(db, {pid for _, pid, cell in rows if pid and cell})
    plan = _Plan()
    held: dict[int, set[str]] = {pid: set() for pid in holders}
    for number, (pid, _) in exts.items():
        if pid is not None:
            held[pid].add(number)
    names = _holder_names(db, holders - set(in_file))
    for row_id, pid, cell in rows:
        wanted = parse(cell or "")[0]
        if pid is not None and pid in held:
            gone = held[pid] - set(wanted)
            if gone:
                plan.removed[row_id] = sorted(gone, key=_order)
        for number in wanted:
            holder, vo = exts.get(number, (None, True))
            if number in exts and holder is not None and holder == pid:
                continue
            if holder is not None and holder not in in_file:
                plan.errors.setdefault(row_id, []).append(
                    f"Extension {number} is assigned to {names.get(holder, 'another profile')}, "
                    "who is not in this file. Add their row without it, or take it from them "
                    "on Edit Extension first.")
                continue
            email = NO_PORTAL if not vo else EXISTING if pid in with_password else SETUP
            plan.added.setdefault(row_id, []).append(
                {"number": number, "create": number not in exts, "holder": holder,
                 "email": email})
    return plan


def plan(db_read: Session, db_write: Session, account_id: int, import_id: int) -> None:
    """Store each row's assignment changes, or turn the row into an error row."""
    result = _compute(db_read, account_id, import_id)
    params: list[dict[str, Any]] = []
    for row_id in set(result.added) | set(result.removed):
        if row_id in result.errors:
            continue
        params.append({"id": row_id, "assignments": {
            "added": result.added.get(row_id, []), "removed": result.removed.get(row_id, [])}})
    if params:
        db_write.execute(update(ImportRow), params)
    if not result.errors:
        return
    current: dict[int, Any] = dict(db_read.execute(select(ImportRow.id, ImportRow.errors)
                                   .where(ImportRow.id.in_(list(result.errors)))).all())
    db_write.execute(update(ImportRow), [
        {"id": row_id, "outcome": ERROR, "changes": None, "changed_mask": 0, "assignments": None,
         "errors": [*(current.get(row_id) or []),
                    *({"column": EXTENSIONS_LABEL, "message": m} for m in messages)]}
        for row_id, messages in result.errors.items()
    ])


# --- submit ------------------------------------------------------------------------


def _planned(scope: Scope, import_id: int) -> list[tuple[int, str, int | None, dict[str, Any]]]:
    return [(n, pid, profile_id, a) for n, pid, profile_id, a in scope.db.execute(
        select(ImportRow.row_number, ImportRow.public_id, ImportRow.profile_id,
               ImportRow.assignments)
        .where(ImportRow.import_id == import_id, ImportRow.assignments.is_not(None))
        .order_by(ImportRow.row_number))]


def _check_unmoved(scope: Scope, planned: list[tuple[int, str, int | None, dict[str, Any]]]
                   ) -> None:
    """Refuse when an extension the file touches changed hands since validation."""
    now = dict(scope.db.execute(select(Extension.number, Extension.profile_id)
                                .where(Extension.account_id == scope.account_id)).all())
    stale = []
    for row, _, profile_id, a in planned:
        moved = any((item["number"] in now) if item["create"]
                    else now.get(item["number"], -1) != item["holder"] for item in a["added"])
        moved = moved or any(now.get(n) != profile_id for n in a["removed"])
        if moved:
            stale.append(row)
    if stale:
        shown = ", ".join(str(r) for r in stale[:10]) + (" …" if len(stale) > 10 else "")
        raise PreconditionFailed(
            f"Some extensions in this file were assigned or created by someone else after it "
            f"was validated (rows {shown}). Nothing was applied. Upload the file again.",
            code="import_stale")


def apply(scope: Scope, import_id: int) -> list[tuple[str, IssuedCredential]]:
    """Make every planned change; return the SIP credentials of created extensions.

    Removals first, so that an extension moving between two rows is handed over
    the way Edit Extension does it (R-D2 for the one, R-V1 for the other).
    """
    planned = _planned(scope, import_id)
    if not planned:
        return []
    _check_unmoved(scope, planned)
    for _, _, _, a in planned:
        for number in a["removed"]:
            extensions.remove_profile(scope, number)
    issued: list[tuple[str, IssuedCredential]] = []
    for _, public_id, _, a in planned:
        for item in a["added"]:
            if item["create"]:
                issued.append((item["number"],
                               lifecycle.create_extension(scope, number=item["number"]).sip))
            extensions.assign_profile(scope, item["number"], public_id)
    return issued
