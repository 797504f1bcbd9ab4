"""Small helpers for the REST API tests: make objects through the API, read what
the API cannot show (outbox rows, setup links) straight from the database."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.db import Database
from phonedesk.models import Account, OutboxMessage, Profile, SetupLink

API = "/api/v1"


def create_profile(api: TestClient, first: str, last: str, email: str,
                   username: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"first_name": first, "last_name": last, "email": email, **extra}
    if username is not None:
        body["username"] = username
    response = api.post(f"{API}/profiles", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def create_extension(api: TestClient, number: str, **extra: Any) -> dict[str, Any]:
    response = api.post(f"{API}/extensions", json={"number": number, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def assign(api: TestClient, number: str, profile_id: str) -> dict[str, Any]:
    response = api.put(f"{API}/extensions/{number}/profile", json={"profile_id": profile_id})
    assert response.status_code == 200, response.text
    return dict(response.json())


def get(api: TestClient, path: str) -> dict[str, Any]:
    response = api.get(f"{API}{path}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def error_of(response: Any, status: int) -> dict[str, Any]:
    """The one error shape (issue 2): ``{"error": {"code", "message", "field"?}}``."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "field", "detail"}
    return dict(error)


def _plain(row: Any) -> SimpleNamespace:
    """A detached copy of an ORM row's columns, readable after the session ends."""
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns})


def outbox(database: Database, account_id: int) -> list[SimpleNamespace]:
    with database.reading() as db:
        return [_plain(m) for m in db.scalars(
            select(OutboxMessage).where(OutboxMessage.account_id == account_id)
            .order_by(OutboxMessage.id)
        )]


def live_setup_links(database: Database, profile_public_id: str) -> list[SimpleNamespace]:
    with database.reading() as db:
        return [_plain(link) for link in db.scalars(
            select(SetupLink).join(Profile, Profile.id == SetupLink.profile_id)
            .where(Profile.public_id == profile_public_id, SetupLink.used_at.is_(None),
                   SetupLink.voided_at.is_(None))
        )]


def give_password(database: Database, profile_public_id: str) -> None:
    """Stand-in for the user completing a setup link (the portal's job, not the API's)."""
    with database.transaction() as db:
        profile = db.scalar(select(Profile).where(Profile.public_id == profile_public_id))
        assert profile is not None
        profile.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"


def account_row(database: Database, account_id: int) -> SimpleNamespace:
    with database.reading() as db:
        return _plain(db.get(Account, account_id))


def browser_session(database: Database, profile_public_id: str, kind: str = "admin"
                    ) -> tuple[str, str]:
    """A signed-in browser session of ``kind`` for the profile: (cookie value, CSRF token).

    Gives the profile a placeholder password first (sessions need one to count)."""
    from phonedesk.auth import sessions

    give_password(database, profile_public_id)
    with database.transaction() as db:
        profile = db.scalar(select(Profile).where(Profile.public_id == profile_public_id))
        assert profile is not None
        row, token = sessions.start(db, profile=profile, kind=kind)
        return token, row.csrf_token


def as_person(client: TestClient, database: Database, profile_public_id: str, method: str,
              path: str, **kwargs: Any) -> Any:
    """Call the REST API as that person's signed-in Account Manager session (no token)."""
    cookie, csrf = browser_session(database, profile_public_id)
    headers = {"Authorization": "", "X-CSRF-Token": csrf, **kwargs.pop("headers", {})}
    client.cookies.set("phonedesk_admin", cookie)
    try:
        return client.request(method, f"{API}{path}", headers=headers, **kwargs)
    finally:
        client.cookies.delete("phonedesk_admin")
