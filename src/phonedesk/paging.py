"""Lists that do not walk the table: bounded totals and keyset ("after") cursors.

A total is counted exactly up to a cap past the page asked for; beyond it the
list says "at least" (``Total.exact`` is False, shown as "10,000+"), so no page
pays for counting a whole large account. A cursor carries the sort key values
and the id of a page's last row; the next page starts strictly after them, so
its cost does not grow with its depth. Offsets are still accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import Session

from phonedesk.errors import ValidationFailed

TOTAL_CAP = 10_000


class Total(int):
    """A row count that may be a lower bound (``exact`` False: "at least this many")."""

    exact: bool = True

    def __new__(cls, value: int, exact: bool = True) -> Total:
        made = super().__new__(cls, value)
        made.exact = exact
        return made

    def shown(self) -> str:
        """As a person reads it: "1,234", or "10,000+" for a lower bound."""
        return f"{int(self):,}" + ("" if self.exact else "+")


def bounded_total(db: Session, stmt: Select[*tuple[Any, ...]], *,
                  offset: int = 0, limit: int = 0) -> Total:
    """Rows matching ``stmt``, counted up to ``TOTAL_CAP`` beyond the requested page."""
    cap = max(TOTAL_CAP, offset + limit)
    counted = db.scalar(select(func.count()).select_from(stmt.limit(cap + 1).subquery())) or 0
    return Total(min(counted, cap), exact=counted <= cap)


def encode_cursor(sort: str, descending: bool, values: list[Any]) -> str:
    """An opaque "after" cursor for the row whose sort key values (id last) are ``values``."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = json.dumps({"s": sort, "d": descending, "v": plain}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str, descending: bool, kinds: Sequence[type]) -> list[Any]:
    """The values in ``cursor``, or ValidationFailed when it is not one of this listing's."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values = data["v"]
        ok = (data["s"] == sort and data["d"] == descending and isinstance(values, list)
              and len(values) == len(kinds))
        if ok:
            return [datetime.fromisoformat(v) if kind is datetime else kind(v)
                    for v, kind in zip(values, kinds, strict=True)]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        pass
    raise ValidationFailed(
        "The “after” cursor is not one this list gave out (or was made for another sort); "
        "start again from the first page.", code="invalid_cursor", field="after")


def after(columns: list[Any], values: list[Any], descending: bool) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order of ``columns`` (one row comparison)."""
    key = tuple_(*columns)
    bound = tuple_(*values)
    return key < bound if descending else key > bound
