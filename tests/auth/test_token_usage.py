"""A token's last use is noted in memory and written by a background step at most once a
minute (the request itself never writes it), R-AC1 tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.auth.token_usage import TokenUsage
from phonedesk.db import Database
from phonedesk.models import ApiToken
from phonedesk.models.base import utcnow
from tests.conftest import AccountInfo


def _token(database: Database) -> ApiToken:
    with database.reading() as db:
        token = db.scalar(select(ApiToken).where(ApiToken.name == "tests"))
        assert token is not None
        db.expunge(token)  # keep its loaded values after the read session ends
        return token


def test_requests_note_the_token_and_the_writer_records_it_once_a_minute(
    api: TestClient, database: Database, account: AccountInfo,
) -> None:
    usage: TokenUsage = api.app.state.token_usage  # type: ignore[attr-defined]
    assert api.get("/api/v1/profiles").status_code == 200
    assert _token(database).last_used_at is None  # the request wrote nothing
    assert usage.flush(database) == 1
    first = _token(database).last_used_at
    assert first is not None
    for _ in range(3):
        assert api.get("/api/v1/profiles").status_code == 200
    assert usage.flush(database) == 0  # used again within the minute: nothing to write
    token = _token(database)
    usage.note(token, now=first + timedelta(seconds=30))
    usage.note(token, now=utcnow() + timedelta(minutes=2))
    assert usage.flush(database) == 1
    assert _token(database).last_used_at > first
