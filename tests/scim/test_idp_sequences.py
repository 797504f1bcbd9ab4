"""R-S1, R-D1, R-D3, R-D4: the provisioning sequences Entra ID and Okta really send.

Bodies follow what each identity provider documents and emits: Entra ID sends
``application/scim+json``, capitalised ops, ``"False"``/``"True"`` as strings,
``Add`` to ``emails[type eq "work"].value``, the enterprise extension and a
read-only ``meta``; Okta sends ``application/json``, ``startIndex``/``count``
with its filter, a full PUT for updates and the path-less
``{"op": "replace", "value": {"active": false}}`` to deactivate. After each
step the stored profile and its extensions are checked.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from tests.conftest import AccountInfo
from tests.scim.conftest import (
    EXTENSION,
    extension_state,
    give_extension,
    patch_body,
    profile_state,
)

# The account maps custom fields, as an administrator sets them up before provisioning
# (R-P4: an unlabelled custom field is disabled and refuses a value).
pytestmark = pytest.mark.usefixtures("labelled")

ENTRA = {"Content-Type": "application/scim+json"}
OKTA = {"Content-Type": "application/json", "Accept": "application/scim+json"}


def _entra_create(user_name: str) -> dict[str, object]:
    return {
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            EXTENSION,
        ],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": True,
        "displayName": "Alex Wu",
        "title": "Sales lead",
        "emails": [{"primary": True, "type": "work", "value": "alex.wu@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Alex Wu", "familyName": "Wu", "givenName": "Alex"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "4711", "department": "Sales",
        },
        EXTENSION: {"customField1": "Sales"},
    }


def _find(scim: TestClient, user_name: str, headers: dict[str, str]) -> dict:
    response = scim.get("/scim/v2/Users", params={"filter": f'userName eq "{user_name}"'},
                        headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_entra_id_sequence(scim: TestClient, database: Database, settings: Settings,
                           account: AccountInfo) -> None:
    # 1. Entra looks the user up first (case-insensitively, as RFC 7643 makes userName).
    assert _find(scim, "alex.wu@contoso.com", ENTRA)["totalResults"] == 0

    # 2. Create.
    created = scim.post("/scim/v2/Users", json=_entra_create("alex.wu@contoso.com"),
                        headers=ENTRA)
    assert created.status_code == 201, created.text
    user = created.json()
    uid = user["id"]
    assert created.headers["ETag"] == user["meta"]["version"]
    assert created.headers["Location"].endswith(f"/scim/v2/Users/{uid}")
    assert profile_state(database, uid) | {"version": None} == {
        "first_name": "Alex", "last_name": "Wu", "email": "alex.wu@contoso.com",
        "username": "alex.wu@contoso.com", "status": "active",
        "external_id": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef", "custom_field_1": "Sales",
        "custom_field_2": None, "custom_field_3": None, "archived": False, "version": None,
    }
    found = _find(scim, "ALEX.WU@contoso.com", ENTRA)
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == uid
    by_external = scim.get("/scim/v2/Users", headers=ENTRA, params={
        "filter": 'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"'})
    assert [r["id"] for r in by_external.json()["Resources"]] == [uid]

    # An administrator gives the profile two extensions; the voicemail address of
    # 202 is edited on that extension alone (R-E4).
    give_extension(database, settings, account.id, "201", uid)
    give_extension(database, settings, account.id, "202", uid,
                   voicemail_email="alex.private@example.net")

    # 3. Update: Entra's PATCH, with an attribute PhoneDesk does not store.
    updated = scim.patch(f"/scim/v2/Users/{uid}", headers=ENTRA, json=patch_body(
        {"op": "Replace", "path": "name.givenName", "value": "Alexander"},
        {"op": "Replace", "path": "displayName", "value": "Alexander Wu"},
        {"op": "Add", "path": 'emails[type eq "work"].value',
         "value": "alexander.wu@contoso.com"},
        {"op": "Add", "path": f"{EXTENSION}:customField2", "value": "Berlin"},
        {"op": "Add", "path": "externalId", "value": "b1c2d3"},
    ))
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["name"] == {"givenName": "Alexander", "familyName": "Wu"}
    assert body["emails"] == [{"value": "alexander.wu@contoso.com", "type": "work"}]
    assert body[EXTENSION] == {"customField1": "Sales", "customField2": "Berlin"}
    state = profile_state(database, uid)
    assert (state["first_name"], state["email"], state["custom_field_2"],
            state["external_id"]) == ("Alexander", "alexander.wu@contoso.com", "Berlin",
                                      "b1c2d3")
    # Profile changes flow to the extensions, except the per-extension edit (R-E4).
    assert extension_state(database, account.id, "201")["caller_id"] == "Alexander Wu"
    assert extension_state(database, account.id, "201")["voicemail_email"] == \
        "alexander.wu@contoso.com"
    assert extension_state(database, account.id, "202")["voicemail_email"] == \
        "alex.private@example.net"

    # 4. Deactivate, Entra style: capitalised op, the boolean as a string.
    disabled = scim.patch(f"/scim/v2/Users/{uid}", headers=ENTRA, json=patch_body(
        {"op": "Replace", "path": "active", "value": "False"}))
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["active"] is False
    assert profile_state(database, uid)["status"] == "disabled"
    # R-D1: every extension goes to the PA, with the PA's address, edits cleared.
    for number in ("201", "202"):
        ext = extension_state(database, account.id, number)
        assert ext["holder"] is None
        assert ext["voicemail_email"] == account.admin_email
        assert ext["fax_email"] == account.admin_email
        assert ext["voicemail_email_edited"] is False
        assert ext["caller_id"] == "Pat Admin"
    # Inactive users stay readable and filterable.
    again = _find(scim, "alex.wu@contoso.com", ENTRA)
    assert again["totalResults"] == 1 and again["Resources"][0]["active"] is False
    assert scim.get(f"/scim/v2/Users/{uid}", headers=ENTRA).json()["active"] is False

    # 5. Reactivate: sign-in restored, the extensions stay with the PA (R-D3).
    enabled = scim.patch(f"/scim/v2/Users/{uid}", headers=ENTRA, json=patch_body(
        {"op": "Replace", "path": "active", "value": "True"}))
    assert enabled.status_code == 200 and enabled.json()["active"] is True
    assert profile_state(database, uid)["status"] == "active"
    assert extension_state(database, account.id, "201")["holder"] is None

    # 6. Delete (R-D4): 204, then 404, gone from filters, username free again.
    assert scim.delete(f"/scim/v2/Users/{uid}", headers=ENTRA).status_code == 204
    gone = scim.get(f"/scim/v2/Users/{uid}", headers=ENTRA)
    assert gone.status_code == 404
    assert gone.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert _find(scim, "alex.wu@contoso.com", ENTRA)["totalResults"] == 0
    assert profile_state(database, uid)["archived"] is True
    reused = scim.post("/scim/v2/Users", json=_entra_create("alex.wu@contoso.com"),
                       headers=ENTRA)
    assert reused.status_code == 201 and reused.json()["id"] != uid


def test_entra_add_work_email_when_none_exists(scim: TestClient) -> None:
    """Entra adds to ``emails[type eq "work"].value`` when the user has only a home address."""
    body = _entra_create("sam@contoso.com")
    body["emails"] = [{"type": "home", "value": "sam@home.example"}]
    uid = scim.post("/scim/v2/Users", json=body, headers=ENTRA).json()["id"]
    response = scim.patch(f"/scim/v2/Users/{uid}", headers=ENTRA, json=patch_body(
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "sam@contoso.com"}))
    assert response.status_code == 200, response.text
    assert response.json()["emails"] == [{"value": "sam@contoso.com", "type": "work"}]


def test_delete_of_an_assigned_active_user_disables_first(
    scim: TestClient, database: Database, settings: Settings, account: AccountInfo
) -> None:
    """R-D4: a SCIM delete of an assigned profile disables it (R-D1), then archives it."""
    uid = scim.post("/scim/v2/Users", json=_entra_create("kim@contoso.com"),
                    headers=ENTRA).json()["id"]
    give_extension(database, settings, account.id, "301", uid,
                   voicemail_email="kim.private@example.net")
    assert scim.delete(f"/scim/v2/Users/{uid}").status_code == 204
    ext = extension_state(database, account.id, "301")
    assert ext["holder"] is None and ext["voicemail_email"] == account.admin_email
    state = profile_state(database, uid)
    assert state["archived"] is True and state["status"] == "disabled"
    assert scim.get(f"/scim/v2/Users/{uid}").status_code == 404
    assert scim.delete(f"/scim/v2/Users/{uid}").status_code == 404


def _okta_user(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jdoe@example.com",
        "name": {"givenName": "John", "familyName": "Doe"},
        "emails": [{"primary": True, "value": "jdoe@example.com", "type": "work"}],
        "displayName": "John Doe",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq-not-stored",
        "active": True,
    }
    body.update(changes)
    return body


def test_okta_sequence(scim: TestClient, database: Database, settings: Settings,
                       account: AccountInfo) -> None:
    # 1. Okta checks whether the user exists, with its paging parameters.
    lookup = scim.get("/scim/v2/Users", headers=OKTA, params={
        "filter": 'userName eq "jdoe@example.com"', "startIndex": 1, "count": 100})
    assert lookup.status_code == 200
    assert lookup.json()["totalResults"] == 0 and lookup.json()["Resources"] == []

    # 2. Create.
    created = scim.post("/scim/v2/Users", json=_okta_user(), headers=OKTA)
    assert created.status_code == 201, created.text
    uid = created.json()["id"]
    assert "password" not in created.json()
    state = profile_state(database, uid)
    assert (state["first_name"], state["last_name"], state["username"], state["status"],
            state["external_id"]) == ("John", "Doe", "jdoe@example.com", "active",
                                      "00ujl29u0le5T6Aj10h7")
    give_extension(database, settings, account.id, "401", uid)
    found = scim.get("/scim/v2/Users", headers=OKTA, params={
        "filter": 'userName eq "jdoe@example.com"', "startIndex": 1, "count": 100}).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == uid

    # 3. Update: Okta reads the user, then PUTs the whole profile back.
    current = scim.get(f"/scim/v2/Users/{uid}", headers=OKTA)
    replaced = scim.put(f"/scim/v2/Users/{uid}", headers={**OKTA,
                        "If-Match": current.headers["ETag"]},
                        json=_okta_user(id=uid, name={"givenName": "John",
                                                      "familyName": "Doe-Smith"},
                                        emails=[{"primary": True, "type": "work",
                                                 "value": "john.doe@example.com"}]))
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["name"]["familyName"] == "Doe-Smith"
    assert replaced.headers["ETag"] != current.headers["ETag"]
    assert profile_state(database, uid)["email"] == "john.doe@example.com"
    ext = extension_state(database, account.id, "401")
    assert ext["holder"] == uid and ext["caller_id"] == "John Doe-Smith"
    assert ext["voicemail_email"] == "john.doe@example.com"

    # 4. Deactivate: Okta's path-less replace.
    deactivated = scim.patch(f"/scim/v2/Users/{uid}", headers=OKTA, json=patch_body(
        {"op": "replace", "value": {"active": False}}))
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["active"] is False
    assert profile_state(database, uid)["status"] == "disabled"
    ext = extension_state(database, account.id, "401")
    assert ext["holder"] is None and ext["voicemail_email"] == account.admin_email
    assert scim.get("/scim/v2/Users", headers=OKTA, params={
        "filter": 'userName eq "jdoe@example.com"'}).json()["totalResults"] == 1

    # 5. Reactivate.
    reactivated = scim.patch(f"/scim/v2/Users/{uid}", headers=OKTA, json=patch_body(
        {"op": "replace", "value": {"active": True}}))
    assert reactivated.status_code == 200 and reactivated.json()["active"] is True
    assert profile_state(database, uid)["status"] == "active"
    assert extension_state(database, account.id, "401")["holder"] is None  # R-D3

    # 6. Delete.
    assert scim.delete(f"/scim/v2/Users/{uid}", headers=OKTA).status_code == 204
    assert scim.get(f"/scim/v2/Users/{uid}", headers=OKTA).status_code == 404
    assert scim.post("/scim/v2/Users", json=_okta_user(), headers=OKTA).status_code == 201
