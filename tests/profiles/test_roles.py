"""Admin rights and the primary administrator, called as services (R-AC2, R-AD1, R-D1)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from phonedesk.auth import sessions
from phonedesk.errors import Conflict, PermissionDenied, ValidationFailed
from phonedesk.extensions import service as extensions
from phonedesk.models import OutboxMessage, WebSession
from phonedesk.models.profile import ROLE_ADMIN, ROLE_PRIMARY, ROLE_READ_ONLY
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.profiles import roles
from phonedesk.profiles import service as profiles
from phonedesk.scope import Actor
from tests.conftest import AccountInfo


def _person(unit: Any, first: str) -> str:
    with unit() as scope:
        return profiles.create_profile(scope, first_name=first, last_name="Lee",
                                       email=f"{first.lower()}@acme.example").public_id


def test_granting_rights_emails_a_link_and_removing_them_ends_admin_sessions(
    unit: Any
) -> None:
    """R-AD1: a profile without a password gets a setup link with its new rights."""
    pid = _person(unit, "Ann")
    with unit() as scope:
        ann = roles.set_role(scope, pid, ROLE_READ_ONLY)
        assert roles.role_of(scope.account, ann) == ROLE_READ_ONLY
        assert roles.is_admin(scope.account, ann)
        assert not roles.admin_can_write(scope.account, ann)
        assert list(scope.db.scalars(select(OutboxMessage.kind))) == ["admin_granted"]
        sessions.start(scope.db, profile=ann, kind=KIND_ADMIN)
    with unit() as scope:
        roles.set_role(scope, pid, None)
        live = select(func.count()).where(WebSession.ended_at.is_(None))
        assert scope.db.scalar(live) == 0
        with pytest.raises(ValidationFailed):
            roles.set_role(scope, pid, ROLE_PRIMARY)


def test_the_primary_administrator_is_fixed_until_transferred(
    unit: Any, account: AccountInfo
) -> None:
    """R-AC2: the PA's role cannot change; the role goes only to an active administrator,
    and extensions without a profile follow the new PA."""
    pid = _person(unit, "Bo")
    with unit() as scope:
        extensions.create_extension(scope, number="299")
        with pytest.raises(Conflict):
            roles.set_role(scope, account.primary_admin_id, None)
        with pytest.raises(Conflict):
            roles.transfer_primary_admin(scope, pid)  # not an administrator yet
        roles.set_role(scope, pid, ROLE_ADMIN)
        new = roles.transfer_primary_admin(scope, pid)
        assert roles.primary_admin(scope).public_id == pid
        assert roles.role_of(scope.account, new) == ROLE_PRIMARY
        former = profiles.get_profile(scope, account.primary_admin_id)
        assert roles.role_of(scope.account, former) == ROLE_ADMIN
        held = extensions.read_extension(scope, "299")
        assert held.holder.public_id == pid
        assert held.extension.voicemail_email == "bo@acme.example"


def test_only_the_primary_administrator_hands_the_role_on(
    unit: Any, account: AccountInfo
) -> None:
    """R-AC2 as amended: an administrator cannot make itself (or anyone) PA, not even
    through an API token it created or SCIM; the PA in person and the operator can."""
    ada, bo = _person(unit, "Ada"), _person(unit, "Bo")
    with unit() as scope:
        roles.set_role(scope, ada, ROLE_ADMIN)
        roles.set_role(scope, bo, ROLE_ADMIN)
    refused = [Actor(kind="profile", id=ada, label="Ada"),
               Actor(kind="api_token", id="t1", label="API token"),
               Actor(kind="scim", id="t2", label="SCIM"),
               Actor(kind="profile", id="pzzzzzzzzzzzzzzz", label="nobody")]
    for actor in refused:
        for target in (ada, bo):
            with unit() as scope:
                scope.actor = actor
                with pytest.raises(PermissionDenied) as caught:
                    roles.transfer_primary_admin(scope, target)
                assert caught.value.code == "primary_admin_only"
                assert roles.primary_admin(scope).public_id == account.primary_admin_id
    with unit() as scope:
        scope.actor = Actor(kind="profile", id=account.primary_admin_id, label="Pat")
        roles.transfer_primary_admin(scope, ada)
    with unit() as scope:  # the former PA is now an administrator like any other
        scope.actor = Actor(kind="profile", id=account.primary_admin_id, label="Pat")
        with pytest.raises(PermissionDenied):
            roles.transfer_primary_admin(scope, bo)
    with unit() as scope:  # the operator at the command line
        assert roles.transfer_primary_admin(scope, bo).public_id == bo


def test_disabled_profiles_lose_and_cannot_get_rights(unit: Any) -> None:
    """R-D1 suspends admin rights; list_admins shows only active administrators."""
    pid = _person(unit, "Cy")
    with unit() as scope:
        roles.set_role(scope, pid, ROLE_ADMIN)
        assert pid in {p.public_id for p in roles.list_admins(scope)}
        cy = profiles.disable_profile(scope, pid)
        assert not roles.is_admin(scope.account, cy)
        assert pid not in {p.public_id for p in roles.list_admins(scope)}
    with unit() as scope:
        roles.set_role(scope, pid, None)
        with pytest.raises(Conflict):
            roles.set_role(scope, pid, ROLE_ADMIN)
