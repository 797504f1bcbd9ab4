"""The profile lifecycle service called directly (R-P1–R-P5, R-D1, R-D3, R-D4, R-E4).

Beside the HTTP tests: every interface (REST, SCIM, CLI, pages) calls these
functions, so their rules are checked here once, without a transport.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from phonedesk.auth import sessions
from phonedesk.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from phonedesk.extensions import service as extensions
from phonedesk.models import AuditEvent, OutboxMessage, SetupLink, WebSession
from phonedesk.models.web_session import KIND_PORTAL
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo


def _ann(unit: Any, **extra: Any) -> str:
    with unit() as scope:
        return profiles.create_profile(scope, first_name=" Ann ", last_name="Lee",
                                       email="ann@acme.example", **extra).public_id


def test_create_cleans_sends_nothing_sets_no_password_and_audits(unit: Any) -> None:
    pid = _ann(unit)
    with unit() as scope:
        ann = profiles.get_profile(scope, pid)
        assert (ann.first_name, ann.username, ann.status) == ("Ann", "ann@acme.example",
                                                              "active")
        assert ann.password_hash is None  # R-P5
        assert scope.db.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        event = scope.db.scalar(select(AuditEvent).where(AuditEvent.target_id == pid))
        assert event is not None and event.action == "profile.created"
        assert event.after is not None and event.after["first_name"] == "Ann"


def test_an_unlabelled_custom_field_refuses_a_value(unit: Any) -> None:
    """R-P4 in the service, so every interface refuses it the same way."""
    with unit() as scope, pytest.raises(ValidationFailed) as caught:
        profiles.create_profile(scope, first_name="Ann", last_name="Lee",
                                email="ann@acme.example", custom_field_3="x")
    assert (caught.value.field, caught.value.code) == ("custom_field_3", "custom_field_disabled")
    with unit() as scope:
        scope.account.custom_field_3_label = "Team"
    pid = _ann(unit, custom_field_3="Blue")
    with unit() as scope:
        scope.account.custom_field_3_label = None
    with unit() as scope:
        kept = profiles.update_profile(scope, pid, {"custom_field_3": None, "last_name": "Li"})
        assert (kept.custom_field_3, kept.last_name) == ("Blue", "Li")


def test_name_changes_flow_to_unedited_extension_fields_only(unit: Any) -> None:
    """R-E4: the profile's later changes reach every extension field not edited there."""
    pid = _ann(unit)
    with unit() as scope:
        extensions.create_extension(scope, number="201", profile_id=pid)
        extensions.create_extension(scope, number="202", profile_id=pid)
        extensions.update_extension(scope, "202", {"voicemail_email": "desk@acme.example"})
    with unit() as scope:
        profiles.update_profile(scope, pid, {"email": "ann.lee@acme.example",
                                             "last_name": "Lee-Smith"})
    with unit() as scope:
        one, two = (extensions.get_extension(scope, n) for n in ("201", "202"))
        assert (one.voicemail_email, one.caller_id_last_name) == ("ann.lee@acme.example",
                                                                 "Lee-Smith")
        assert (two.voicemail_email, two.fax_email) == ("desk@acme.example",
                                                         "ann.lee@acme.example")


def test_a_stale_version_changes_nothing(unit: Any) -> None:
    pid = _ann(unit)
    with unit() as scope, pytest.raises(PreconditionFailed):
        profiles.update_profile(scope, pid, {"last_name": "X"}, expected_version=7)
    with unit() as scope:
        assert profiles.get_profile(scope, pid).last_name == "Lee"


def test_disable_is_one_step_offboarding(unit: Any, account: AccountInfo) -> None:
    """R-D1: sessions end, links are void, every extension goes to the PA with its address."""
    pid = _ann(unit)
    with unit() as scope:
        extensions.create_extension(scope, number="201", profile_id=pid)  # issues a link
        ann = profiles.get_profile(scope, pid)
        sessions.start(scope.db, profile=ann, kind=KIND_PORTAL)
    with unit() as scope:
        profiles.disable_profile(scope, pid)
    with unit() as scope:
        ann = profiles.get_profile(scope, pid)
        assert not ann.is_active
        live = select(func.count()).where(WebSession.profile_id == ann.id,
                                          WebSession.ended_at.is_(None))
        assert scope.db.scalar(live) == 0
        unused = select(func.count()).where(SetupLink.profile_id == ann.id,
                                            SetupLink.voided_at.is_(None))
        assert scope.db.scalar(unused) == 0
        held = extensions.read_extension(scope, "201")
        assert held.assigned is None and held.holder.public_id == account.primary_admin_id
        assert held.extension.voicemail_email == account.admin_email
        with pytest.raises(Conflict):
            profiles.disable_profile(scope, account.primary_admin_id)


def test_delete_refuses_what_still_holds_and_archives_the_rest(unit: Any) -> None:
    """R-D4: assigned profiles are refused; others leave and free their username."""
    pid = _ann(unit, username="ann")
    with unit() as scope:
        extensions.create_extension(scope, number="201", profile_id=pid)
    with unit() as scope, pytest.raises(Conflict) as caught:
        profiles.delete_profile(scope, pid)
    assert "extension 201" in caught.value.message
    with unit() as scope:
        extensions.remove_profile(scope, "201")
        profiles.delete_profile(scope, pid)
    with unit() as scope:
        with pytest.raises(NotFound):
            profiles.get_profile(scope, pid)
        again = profiles.create_profile(scope, first_name="Ann", last_name="New",
                                        email="ann@acme.example", username="ANN")
        assert again.public_id != pid


def test_a_setup_link_goes_only_to_an_active_profile_without_a_password(unit: Any) -> None:
    pid = _ann(unit)
    with unit() as scope:
        profiles.resend_setup_link(scope, pid)
        assert scope.db.scalar(select(OutboxMessage.kind)) == "setup_link"
        profiles.disable_profile(scope, pid)
        with pytest.raises(Conflict):
            profiles.resend_setup_link(scope, pid)
