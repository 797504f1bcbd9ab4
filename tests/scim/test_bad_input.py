"""DESIGN §5, R-S1: nothing a SCIM client sends causes a 500 or half-applies a change."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonedesk.db import Database
from tests.scim.conftest import ERROR, EXTENSION, new_user, patch_body, profile_state

PATHS = [
    None, "", "userName", "name", "name.givenName", "name.familyName", "emails", "emails.value",
    'emails[type eq "work"].value', 'emails[type eq "home"]', "active", "externalId",
    "displayName", "id", "meta.version", "schemas", EXTENSION, f"{EXTENSION}:customField1",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "a[b[c]]",
    "emails[value eq", "\u0000",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=40)
    | st.sampled_from(["True", "False", "x@example.com", "a" * 40, "\u0000"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["value", "type", "primary", "givenName", "familyName",
                                       "userName", "active", "emails", "name", "customField2",
                                       "x"]), children, max_size=3),
    max_leaves=8,
)
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "Add", "replace", "Replace", "remove", "bogus"])},
    optional={"path": st.sampled_from(PATHS), "value": json_values},
)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operations, min_size=1, max_size=3))
def test_random_patches_answer_200_or_a_scim_error(
    scim: TestClient, database: Database, ops: list[dict[str, Any]]
) -> None:
    created = scim.post("/scim/v2/Users", json=new_user(f"fz{abs(hash(repr(ops))) % 10**9}"))
    if created.status_code == 409:  # the same draw twice: already created
        return
    uid = created.json()["id"]
    response = scim.patch(f"/scim/v2/Users/{uid}", json=patch_body(*ops))
    assert response.status_code in (200, 400, 409), response.text
    if response.status_code != 200:
        assert response.json()["schemas"] == [ERROR]
        assert profile_state(database, uid)["version"] == 1
    scim.delete(f"/scim/v2/Users/{uid}")


@pytest.mark.parametrize("body", [
    {}, {"userName": 5}, {"userName": "a", "name": "b"},
    {"userName": "a", "name": {"givenName": 1, "familyName": 2},
     "emails": [{"value": "a@b.com"}]},
    new_user("x", **{EXTENSION: "x"}), new_user("y", externalId="a\u0000"),
    new_user("y2", externalId="e" * 256), new_user("z", emails=[]), new_user("w", active="maybe"),
    new_user("v", schemas=["urn:x"]), new_user("u", schemas="x"), new_user("n\u0000"),
])
def test_bad_creations_are_400(scim: TestClient, body: dict[str, Any]) -> None:
    response = scim.post("/scim/v2/Users", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["schemas"] == [ERROR]
    assert scim.get("/scim/v2/Users").json()["totalResults"] == 1  # the PA alone


@pytest.mark.parametrize("raw", [b"[" * 100_000, b'{"a":' * 50_000, b"\xff\xfe", b"null"])
def test_hostile_json_is_invalid_syntax(scim: TestClient, raw: bytes) -> None:
    response = scim.post("/scim/v2/Users", content=raw)
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"


def test_odd_ids_and_queries(scim: TestClient) -> None:
    for path in ("/scim/v2/Users/%00", "/scim/v2/Users/" + "x" * 5000):
        assert scim.get(path).status_code == 404
        assert scim.delete(path).status_code == 404
    for expression in ('userName eq "\u0000"', 'externalId eq "a\u0000"'):
        response = scim.get("/scim/v2/Users", params={"filter": expression})
        assert response.status_code == 400 and response.json()["scimType"] == "invalidFilter"
    huge = scim.get("/scim/v2/Users", params={"startIndex": 10**30, "count": 10**30})
    assert huge.status_code == 200 and huge.json()["Resources"] == []
    assert scim.post("/scim/v2/.search", json={"filter": 5}).status_code == 400
    assert scim.post("/scim/v2/.search", json={"count": "x"}).status_code == 400


@pytest.mark.parametrize("control", ["\u202e", "\u200b", "\u2028", "\x1b"])
def test_control_characters_in_scim_values_are_invalid_values(
    scim: TestClient, control: str
) -> None:
    """R-P1 as amended: SCIM values go through the one definition, refused before storing."""
    for body in (new_user(f"cc{ord(control)}", given=f"Ann{control}e"),
                 new_user(f"cd{ord(control)}", externalId=f"e-{control}-1"),
                 new_user(f"ce{ord(control)}{control}x")):
        response = scim.post("/scim/v2/Users", json=body)
        assert response.status_code == 400, response.text
        assert response.json()["scimType"] == "invalidValue"
        assert "control character" in response.json()["detail"]
