"""Writing and reading the audit log (R-AU1).

Every service that changes something calls :func:`record` in the same
transaction, so the log can never miss a committed change nor show one that was
rolled back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from phonedesk.audit import sentences
from phonedesk.errors import ValidationFailed
from phonedesk.models import AuditEvent, Profile
from phonedesk.scope import Actor, Scope


def record(
    scope: Scope,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | None = None,
    target_label: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> AuditEvent:
    """Add one audit event to the current unit of work."""
    who = actor or scope.actor
    event = AuditEvent(
        account_id=scope.account_id,
        actor_type=who.kind,
        actor_id=who.id,
        actor_label=who.label,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label,
        before=before,
        after=after,
        detail=detail,
    )
    scope.db.add(event)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None  # exact, or a prefix ending in "." such as "profile."
    target_type: str | None = None
    target_id: str | None = None
    actor_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    about: str | None = None  # a person's name (part of it) or an extension number


def _as_utc(value: datetime, field: str) -> datetime:
    """A bound in UTC; a time zone that pushes it past year 9999 is bad input, not a crash."""
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValidationFailed(f"{field} is out of range.", field=field) from None


def filtered(scope: Scope, flt: AuditFilter, stmt: Select[Any] | None = None) -> Select[Any]:
    """``stmt`` (by default every column of the events) narrowed to this account and ``flt``."""
    stmt = select(AuditEvent) if stmt is None else stmt
    stmt = stmt.where(AuditEvent.account_id == scope.account_id)
    if flt.action:
        if flt.action.endswith("."):
            stmt = stmt.where(AuditEvent.action.startswith(flt.action, autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.action == flt.action)
    if flt.target_type:
        stmt = stmt.where(AuditEvent.target_type == flt.target_type)
    if flt.target_id:
        stmt = stmt.where(AuditEvent.target_id == flt.target_id)
    if flt.actor_id:
        stmt = stmt.where(AuditEvent.actor_id == flt.actor_id)
    if flt.about and flt.about.strip():
        text = flt.about.strip()[:200]
        # Extension events are labelled "Extension 201 (Ann Lee)", profile events by name.
        stmt = stmt.where(or_(
            AuditEvent.target_id == text,
            func.lower(AuditEvent.target_label).contains(text.lower(), autoescape=True),
        ))
    if flt.since:
        stmt = stmt.where(AuditEvent.at >= _as_utc(flt.since, "since"))
    if flt.until:
        stmt = stmt.where(AuditEvent.at < _as_utc(flt.until, "until"))
    return stmt


def list_events(
    scope: Scope, flt: AuditFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    """A page of events, newest first, and the total matching."""
    stmt = filtered(scope, flt)
    total = scope.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = scope.db.scalars(
        stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def names_for(scope: Scope, events: Sequence[sentences.Event]) -> sentences.Names:
    """The names the events' sentences refer to, in one query (deleted ones included)."""
    ids = {pid for event in events for pid in sentences.profile_ids(event)}
    people: dict[str, str] = {}
    if ids:
        rows = scope.db.execute(
            select(Profile.public_id, Profile.first_name, Profile.last_name)
            .where(Profile.account_id == scope.account_id, Profile.public_id.in_(ids))
        )
        people = {pid: f"{first} {last}".strip() for pid, first, last in rows}
    account = scope.account
    labels = {f"custom_field_{n}": label for n in (1, 2, 3)
              if (label := getattr(account, f"custom_field_{n}_label", None))}
    return sentences.Names(people=people, custom_labels=labels)
