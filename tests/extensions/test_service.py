"""The extension service called directly (R-E1–R-E5, R-V1, R-V2), beside the HTTP tests.

``extensions.service.save`` is the whole Edit Extension change; the page, the REST
API (PATCH) and the CLI (``extensions update``) all call it, so its order decides
what every interface does.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from phonedesk.errors import PreconditionFailed
from phonedesk.extensions import service
from phonedesk.models import AuditEvent, OutboxMessage
from phonedesk.profiles import service as profiles
from phonedesk.scope import Scope
from tests.conftest import AccountInfo


def _person(unit: Any, first: str = "Ann") -> str:
    with unit() as scope:
        return profiles.create_profile(scope, first_name=first, last_name="Lee",
                                       email=f"{first.lower()}@acme.example").public_id


def _emails(scope: Scope) -> list[tuple[str, str]]:
    return [(m.kind, m.to_address) for m in scope.db.scalars(
        select(OutboxMessage).order_by(OutboxMessage.id))]


def test_virtual_office_is_set_before_the_assignment_decides_the_email(unit: Any) -> None:
    """R-V1: unchecking Enable Virtual Office and assigning in one save sends the email
    without password instructions, because Virtual Office is set first."""
    ann = _person(unit)
    with unit() as scope:
        ext = service.create_extension(scope, number="201")
        saved = service.save(scope, "201", profile_id=ann, virtual_office_enabled=False,
                             expected_version=ext.version)
        assert saved.assigned is not None and saved.assigned.public_id == ann
        assert _emails(scope) == [("assigned_no_portal", "ann@acme.example")]
    with unit() as scope:
        service.save(scope, "201", virtual_office_enabled=True)
        service.remove_profile(scope, "201")
        service.save(scope, "201", profile_id=ann)
        assert _emails(scope)[-1] == ("assigned_setup", "ann@acme.example")


def test_edits_are_applied_after_the_assignment_fills_the_extension(unit: Any) -> None:
    """R-E3 then R-E4: the new profile fills every field, then this save's edits stay."""
    ann = _person(unit)
    with unit() as scope:
        service.create_extension(scope, number="202")
        service.save(scope, "202", profile_id=ann,
                     changes={"caller_id_first_name": "Reception"})
        held = service.read_extension(scope, "202")
        ext = held.extension
        assert (ext.caller_id_first_name, ext.caller_id_first_name_edited) == ("Reception", True)
        assert (ext.caller_id_last_name, ext.voicemail_email) == ("Lee", "ann@acme.example")
        assert held.assigned is not None and held.holder.public_id == ann


def test_without_an_assignment_one_update_and_one_audit_event(unit: Any) -> None:
    with unit() as scope:
        ext = service.create_extension(scope, number="203")
        version = ext.version
        saved = service.save(scope, "203", virtual_office_enabled=False,
                             changes={"fax_email": "fax@acme.example"},
                             expected_version=version)
        assert saved.assigned is None
        assert saved.extension.version == version + 1
        events = scope.db.scalar(select(func.count()).where(
            AuditEvent.action == "extension.updated", AuditEvent.target_id == "203"))
        assert events == 1


def test_a_stale_version_changes_nothing(unit: Any) -> None:
    ann = _person(unit)
    with unit() as scope:
        service.create_extension(scope, number="204")
    with unit() as scope, pytest.raises(PreconditionFailed):
        service.save(scope, "204", profile_id=ann, virtual_office_enabled=False,
                     expected_version=999)
    with unit() as scope:
        held = service.read_extension(scope, "204")
        assert held.assigned is None and held.extension.virtual_office_enabled
        assert _emails(scope) == []


def test_reads_return_the_holder_assigned_profile_or_primary_admin(
    unit: Any, account: AccountInfo
) -> None:
    """R-E1: an extension without a profile is held by the PA; lists and reads say who."""
    ann = _person(unit)
    with unit() as scope:
        service.create_extension(scope, number="205", profile_id=ann)
        service.create_extension(scope, number="206")
        rows, total = service.list_extensions(scope, service.ExtensionQuery())
        assert total == 2
        holders = {r.extension.number: (r.assigned.public_id if r.assigned else None,
                                        r.holder.public_id) for r in rows}
        assert holders == {"205": (ann, ann), "206": (None, account.primary_admin_id)}
        assert service.holder_of(scope, service.get_extension(scope, "206")).public_id == (
            account.primary_admin_id)
