"""Token names, decided by the token service for the page and the CLI alike (R-P1)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.auth import tokens
from phonedesk.db import Database
from phonedesk.errors import ValidationFailed
from phonedesk.models import ApiToken


def test_a_name_over_100_characters_is_refused_not_cut(unit: Any) -> None:
    with unit() as scope, pytest.raises(ValidationFailed) as caught:
        tokens.create_token(scope, name="n" * 101)
    assert (caught.value.field, caught.value.code) == ("name", "too_long")
    with unit() as scope:
        token, secret = tokens.create_token(scope, name="  " + "n" * 100 + " ")
        assert token.name == "n" * 100 and secret.startswith("pd_")
        assert tokens.create_token(scope, name=" ")[0].name == "API token"


def _last_used(database: Database) -> list[Any]:
    with database.reading() as db:
        stmt = select(ApiToken.kind, ApiToken.last_used_at)
        return list(db.execute(stmt.order_by(ApiToken.id)).all())


def test_a_tokens_last_use_is_noted_after_the_response_once_a_minute(
    api: TestClient, database: Database, unit: Any
) -> None:
    """Item: "Last used: —" after use. A read request notes it too, in its own short write."""
    assert [used for _, used in _last_used(database)] == [None]
    assert api.get("/api/v1/profiles").status_code == 200
    [(_, first)] = _last_used(database)
    assert first is not None
    assert api.get("/api/v1/extensions").status_code == 200
    assert _last_used(database)[0][1] == first  # within the minute: no write
    with unit() as scope:
        _, secret = tokens.create_token(scope, kind="scim", name="IdP")
    api.get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"})
    assert all(used is not None for _, used in _last_used(database))

