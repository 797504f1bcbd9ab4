"""Username rules through the REST API (R-P2; issue 2 acceptance)."""

from __future__ import annotations

import unicodedata

import pytest
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from tests.api.helpers import API, create_profile, error_of
from tests.conftest import AccountInfo, auth, make_account


def _post(api: TestClient, email: str, username: str | None = None,
          headers: dict[str, str] | None = None) -> object:
    body = {"first_name": "Ann", "last_name": "Lee", "email": email}
    if username is not None:
        body["username"] = username
    return api.post(f"{API}/profiles", json=body, headers=headers)


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_username_becomes_the_email(api: TestClient, blank: str | None) -> None:
    created = create_profile(api, "Ann", "Lee", "ann.lee@acme.example", username=blank)
    assert created["username"] == "ann.lee@acme.example"


def test_thirty_characters_allowed_thirty_one_rejected(api: TestClient) -> None:
    ok = create_profile(api, "Ann", "Lee", "a@acme.example", username="u" * 30)
    assert ok["username"] == "u" * 30
    error = error_of(_post(api, "b@acme.example", "v" * 31), 422)
    assert error["field"] == "username"
    assert error["code"] == "too_long"
    assert "30" in error["message"]
    assert api.get(f"{API}/profiles", params={"q": "v" * 31}).json()["total"] == 0


def test_long_email_without_username_explains(api: TestClient) -> None:
    email = "someone.with.a.long.name@acme.example"  # 37 characters
    assert len(email) > 30
    error = error_of(_post(api, email), 422)
    assert error["field"] == "username"
    assert error["code"] == "username_required"
    assert "longer than 30" in error["message"]
    assert "Enter a username" in error["message"]
    # Giving one makes it work; the long email is kept.
    created = create_profile(api, "Ann", "Lee", email, username="ann")
    assert created["email"] == email


def test_email_unusable_as_username_asks_for_one(api: TestClient) -> None:
    """R-P2: a valid email with characters a username refuses, and no username given."""
    email = "a!b#c@acme.example"
    error = error_of(_post(api, email), 422)
    assert error["field"] == "username"
    assert error["code"] == "username_required"
    assert "cannot be used as the username" in error["message"]
    assert create_profile(api, "Ann", "Lee", email, username="abc")["email"] == email


def test_username_unique_across_accounts_case_insensitively(
    api: TestClient, database: Database, settings: Settings
) -> None:
    other = make_account(database, settings, "Globex")
    create_profile(api, "Alice", "One", "alice@acme.example", username="alice")
    error = error_of(_post(api, "alice@globex.example", "ALICE", auth(other.token)), 409)
    assert error["code"] == "username_taken"
    assert error["field"] == "username"
    assert "ALICE" in error["message"]
    # The same within one account, and by PATCH.
    error_of(_post(api, "alice2@acme.example", "Alice"), 409)
    bob = create_profile(api, "Bob", "Two", "bob@acme.example", username="bob")
    error_of(api.patch(f"{API}/profiles/{bob['id']}", json={"username": "aLiCe"}), 409)
    # Changing only the case of one's own username is fine.
    renamed = api.patch(f"{API}/profiles/{bob['id']}", json={"username": "BOB"})
    assert renamed.status_code == 200 and renamed.json()["username"] == "BOB"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Zoë", "ZOË"),
        ("Zoë", unicodedata.normalize("NFD", "ZOË")),
        (unicodedata.normalize("NFD", "zoë"), "Zoë"),
        ("straße", "STRASSE"),
        ("Σίσυφος", "ΣΊΣΥΦΟΣ"),
    ],
)
def test_unicode_case_folding(api: TestClient, database: Database, settings: Settings,
                              first: str, second: str) -> None:
    other = make_account(database, settings, "Globex")
    create_profile(api, "Zoe", "One", "zoe@acme.example", username=first)
    error = error_of(_post(api, "zoe@globex.example", second, auth(other.token)), 409)
    assert error["code"] == "username_taken"


def test_decomposed_username_is_stored_composed(api: TestClient) -> None:
    created = create_profile(api, "Zoe", "One", "zoe@acme.example",
                             username=unicodedata.normalize("NFD", "Zoë"))
    assert created["username"] == "Zoë"


@pytest.mark.parametrize("username", ["Front Lobby", "o'brien", "a.b_c-d@e+f", "Ärzte 2"])
def test_allowed_characters(api: TestClient, username: str) -> None:
    created = create_profile(api, "Ann", "Lee", "ann@acme.example", username=f" {username} ")
    assert created["username"] == username


@pytest.mark.parametrize("username", ["a/b", "semi;colon", "tab\there", "emoji😀", "<b>"])
def test_refused_characters(api: TestClient, username: str) -> None:
    error = error_of(_post(api, "ann@acme.example", username), 422)
    assert error["field"] == "username"
    assert error["code"] == "invalid_characters"


def test_patch_blank_username_falls_back_to_the_email(api: TestClient) -> None:
    created = create_profile(api, "Ann", "Lee", "ann@acme.example", username="ann")
    response = api.patch(f"{API}/profiles/{created['id']}",
                         json={"username": "", "email": "ann.new@acme.example"})
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "ann.new@acme.example"


def test_a_failed_create_leaves_nothing(api: TestClient, account: AccountInfo) -> None:
    """Bad input never half-applies (DESIGN §5)."""
    before = api.get(f"{API}/profiles").json()["total"]
    error_of(_post(api, "x" * 40 + "@acme.example"), 422)
    error_of(_post(api, "ann@acme.example", "bad/char"), 422)
    assert api.get(f"{API}/profiles").json()["total"] == before
