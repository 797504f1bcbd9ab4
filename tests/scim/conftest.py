"""SCIM fixtures: a per-account SCIM token and a client that sends it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from phonedesk.auth import tokens
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models.token import KIND_SCIM
from tests.conftest import AccountInfo, scope_for

SCIM = "application/scim+json"


def scim_token(database: Database, settings: Settings, account_id: int) -> str:
    """Create a SCIM token for an account, as `phonedesk tokens create --scim` does."""
    with database.transaction() as db:
        _, secret = tokens.create_token(scope_for(db, account_id, settings), kind=KIND_SCIM,
                                        name="identity provider")
    return secret


@pytest.fixture
def scim_secret(database: Database, settings: Settings, account: AccountInfo) -> str:
    return scim_token(database, settings, account.id)


@pytest.fixture
def scim(client: TestClient, scim_secret: str) -> Iterator[TestClient]:
    """A client authenticated with the ``account`` fixture's SCIM token."""
    client.headers["Authorization"] = f"Bearer {scim_secret}"
    client.headers["Content-Type"] = SCIM
    yield client


def label_custom_fields(database: Database, account_id: int,
                        labels: tuple[str | None, ...] = ("Department", "Office", "Job")
                        ) -> None:
    """Give custom fields 1–3 their labels: an unlabelled field is disabled (R-P4)."""
    from phonedesk.models import Account

    with database.transaction() as db:
        acc = db.get(Account, account_id)
        assert acc is not None
        acc.custom_field_1_label, acc.custom_field_2_label, acc.custom_field_3_label = labels


@pytest.fixture
def labelled(database: Database, account: AccountInfo) -> None:
    """The ``account`` fixture with its three custom fields enabled."""
    label_custom_fields(database, account.id)


def new_user(user_name: str, given: str = "Ada", family: str = "Lovelace",
             email: str | None = None, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"value": email or f"{given.lower()}@example.com", "type": "work",
                    "primary": True}],
        "active": True,
    }
    body.update(extra)
    return body


PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
EXTENSION = "urn:ietf:params:scim:schemas:extension:phonedesk:2.0:User"


def patch_body(*operations: dict[str, object]) -> dict[str, object]:
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def give_extension(database: Database, settings: Settings, account_id: int, number: str,
                   profile_id: str, *, voicemail_email: str | None = None) -> None:
    """An admin creates an extension and assigns the profile; optionally edits the
    voicemail address of that extension alone (R-E4)."""
    from phonedesk.extensions import service as extensions

    with database.transaction() as db:
        scope = scope_for(db, account_id, settings)
        extensions.create_extension(scope, number=number)
        extensions.assign_profile(scope, number, profile_id)
        if voicemail_email:
            extensions.update_extension(scope, number, {"voicemail_email": voicemail_email})


def extension_state(database: Database, account_id: int, number: str) -> dict[str, object]:
    """The stored extension, with its holder's public id (None = held by the PA)."""
    from sqlalchemy import select

    from phonedesk.models import Extension, Profile

    with database.reading() as db:
        ext = db.scalar(select(Extension).where(Extension.account_id == account_id,
                                                Extension.number == number))
        assert ext is not None
        holder = db.get(Profile, ext.profile_id) if ext.profile_id else None
        return {
            "holder": holder.public_id if holder else None,
            "caller_id": f"{ext.caller_id_first_name} {ext.caller_id_last_name}",
            "voicemail_email": ext.voicemail_email,
            "fax_email": ext.fax_email,
            "voicemail_email_edited": ext.voicemail_email_edited,
        }


def profile_state(database: Database, public_id: str) -> dict[str, object]:
    """The stored profile row, archived or not."""
    from sqlalchemy import select

    from phonedesk.models import Profile

    with database.reading() as db:
        p = db.scalar(select(Profile).where(Profile.public_id == public_id))
        assert p is not None
        return {
            "first_name": p.first_name, "last_name": p.last_name, "email": p.email,
            "username": p.username, "status": p.status, "external_id": p.external_id,
            "custom_field_1": p.custom_field_1, "custom_field_2": p.custom_field_2,
            "custom_field_3": p.custom_field_3, "archived": p.archived_at is not None,
            "version": p.version,
        }
