"""Helpers for the identity tests: people with passwords, links from the outbox."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from phonedesk.outbox import sealing
from tests.conftest import AccountInfo
from tests.outbox.support import create_password, link_path

PA_PASSWORD = "primary admin passphrase"
TEST_SECRET_KEY = "test-secret-key-not-for-production"  # the settings fixture's


def latest_link(database: Database, to: str) -> str:
    """The setup link path in the newest email queued for ``to``."""
    with database.reading() as db:
        body = db.scalar(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.to_address == to)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    assert body is not None, f"no email queued for {to}"
    return link_path(sealing.unseal(body, TEST_SECRET_KEY))


def pa_with_password(web: TestClient, account: AccountInfo) -> str:
    """Give the account's primary administrator a password; return its username."""
    path = link_path(account.setup_url)
    r = create_password(web, path, PA_PASSWORD)
    assert r.status_code == 200, r.text
    return account.admin_email


def person(
    api: TestClient, first: str, email: str, *, number: str, virtual_office: bool = True
) -> str:
    """A profile assigned to a new extension (which emails it a setup link)."""
    r = api.post(
        "/api/v1/profiles", json={"first_name": first, "last_name": "Tester", "email": email}
    )
    assert r.status_code == 201, r.text
    profile_id = str(r.json()["id"])
    r = api.post(
        "/api/v1/extensions",
        json={"number": number, "virtual_office_enabled": virtual_office, "profile_id": profile_id},
    )
    assert r.status_code == 201, r.text
    return profile_id


def person_with_password(
    api: TestClient,
    web: TestClient,
    database: Database,
    first: str,
    email: str,
    password: str,
    *,
    number: str,
) -> str:
    profile_id = person(api, first, email, number=number)
    r = create_password(web, latest_link(database, email), password)
    assert r.status_code == 200, r.text
    return profile_id
