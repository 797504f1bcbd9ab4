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
