"""R-P2 as amended, in the service every interface calls, and over the API: editing the
email never renames the username by itself; the caller asks for it explicitly. Also
every bad field reported at once (InvalidFields)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from phonedesk.errors import InvalidFields, ValidationFailed
from phonedesk.profiles import service as profiles


def _ann(unit: Any, username: str | None = None) -> str:
    with unit() as scope:
        return profiles.create_profile(scope, first_name="Ann", last_name="Lee",
                                       email="ann@acme.example", username=username).public_id


def test_an_email_edit_keeps_the_username_unless_asked(unit: Any) -> None:
    pid = _ann(unit)
    with unit() as scope:
        ann = profiles.update_profile(scope, pid, {"email": "ann.lee@acme.example"})
        assert (ann.email, ann.username) == ("ann.lee@acme.example", "ann@acme.example")
    with unit() as scope, pytest.raises(ValidationFailed) as caught:
        # The username is no longer the email, so it cannot follow it.
        profiles.update_profile(scope, pid, {"email": "ann.l@acme.example"},
                                username_follows_email=True)
    assert caught.value.code == "username_not_email"


def test_the_username_follows_only_when_it_was_the_email(unit: Any) -> None:
    pid = _ann(unit)
    with unit() as scope:
        ann = profiles.update_profile(scope, pid, {"email": "ann.lee@acme.example",
                                                   "username": "ann@acme.example"},
                                      username_follows_email=True)
        assert (ann.email, ann.username) == ("ann.lee@acme.example", "ann.lee@acme.example")
        assert profiles.get_by_username(scope, "ANN.LEE@acme.example") is not None
    other = _ann(unit, username="annie")
    with unit() as scope, pytest.raises(ValidationFailed) as caught:
        profiles.update_profile(scope, other, {"email": "annie@acme.example"},
                                username_follows_email=True)
    assert caught.value.code == "username_not_email"


def test_a_contradicting_username_is_refused_not_guessed(unit: Any) -> None:
    pid = _ann(unit)
    with unit() as scope, pytest.raises(ValidationFailed) as caught:
        profiles.update_profile(scope, pid, {"email": "ann.lee@acme.example",
                                             "username": "someone"},
                                username_follows_email=True)
    assert caught.value.code == "username_conflicting_choice"


def test_every_bad_field_is_reported_at_once(unit: Any) -> None:
    with unit() as scope, pytest.raises(InvalidFields) as caught:
        profiles.create_profile(scope, first_name="", last_name="L" * 51, email="x@",
                                username="bad/name")
    assert [e.field for e in caught.value.errors] == [
        "first_name", "last_name", "email", "username"]
    assert caught.value.field == "first_name"  # the first, for one-error callers


def test_api_patch_takes_the_explicit_choice(api: TestClient) -> None:
    created = api.post("/api/v1/profiles", json={
        "first_name": "Bo", "last_name": "Ng", "email": "bo@acme.example"}).json()
    url = f"/api/v1/profiles/{created['id']}"
    kept = api.patch(url, json={"email": "bo.ng@acme.example"}).json()
    assert kept["username"] == "bo@acme.example"
    api.patch(url, json={"email": "bo@acme.example"})
    api.patch(url, json={"username": "bo@acme.example"})
    moved = api.patch(url, json={"email": "bo.ng@acme.example",
                                 "username_follows_email": True})
    assert moved.status_code == 200, moved.text
    assert moved.json()["username"] == "bo.ng@acme.example"
    bad = api.post("/api/v1/profiles", json={"first_name": "", "last_name": "",
                                             "email": "bo"})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["error"]["detail"]["errors"]} == {
        "first_name", "last_name", "email"}

