"""R-AC1, R-S1: one account's SCIM token never sees or changes another account's users."""

from __future__ import annotations

from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from tests.conftest import AccountInfo, make_account
from tests.scim.conftest import EXTENSION, new_user, patch_body, profile_state, scim_token


def test_tokens_are_scoped_to_their_account(
    client: TestClient, database: Database, settings: Settings, account: AccountInfo
) -> None:
    other = make_account(database, settings, "Globex", admin_email="hank@globex.example")
    mine = {"Authorization": f"Bearer {scim_token(database, settings, account.id)}"}
    theirs = {"Authorization": f"Bearer {scim_token(database, settings, other.id)}"}

    created = client.post("/scim/v2/Users", headers=mine,
                          json=new_user("ada", externalId="shared-ext"))
    assert created.status_code == 201
    uid = created.json()["id"]
    before = profile_state(database, uid)

    # Lists, filters and searches of the other account never include it.
    listing = client.get("/scim/v2/Users", headers=theirs).json()
    assert [r["id"] for r in listing["Resources"]] == [other.primary_admin_id]
    assert listing["totalResults"] == 1
    for expression in ('userName eq "ada"', 'externalId eq "shared-ext"',
                       'emails[type eq "work"].value eq "ada@example.com"'):
        found = client.get("/scim/v2/Users", headers=theirs, params={"filter": expression})
        assert found.json()["totalResults"] == 0
    searched = client.post("/scim/v2/.search", headers=theirs, json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}).json()
    assert uid not in [r["id"] for r in searched["Resources"]]

    # Reading or changing it by id is a 404, exactly as for an id that never existed.
    assert client.get(f"/scim/v2/Users/{uid}", headers=theirs).status_code == 404
    assert client.put(f"/scim/v2/Users/{uid}", headers=theirs,
                      json=new_user("hijack")).status_code == 404
    assert client.patch(f"/scim/v2/Users/{uid}", headers=theirs, json=patch_body(
        {"op": "replace", "path": "active", "value": False})).status_code == 404
    assert client.delete(f"/scim/v2/Users/{uid}", headers=theirs).status_code == 404
    assert profile_state(database, uid) == before

    # Nor can it touch the other account's primary administrator.
    assert client.get(f"/scim/v2/Users/{other.primary_admin_id}",
                      headers=mine).status_code == 404

    # Users it creates land in its own account only.
    theirs_created = client.post("/scim/v2/Users", headers=theirs,
                                 json=new_user("bob", given="Bob", externalId="shared-ext"))
    assert theirs_created.status_code == 201
    mine_list = client.get("/scim/v2/Users", headers=mine,
                           params={"filter": 'externalId eq "shared-ext"'}).json()
    assert [r["id"] for r in mine_list["Resources"]] == [uid]


def test_schemas_show_each_accounts_labels(
    client: TestClient, database: Database, settings: Settings, account: AccountInfo
) -> None:
    from phonedesk.models import Account

    other = make_account(database, settings, "Initech", admin_email="bill@initech.example")
    with database.transaction() as db:
        acc = db.get(Account, other.id)
        assert acc is not None
        acc.custom_field_1_label = "Initech Badge"
    mine = {"Authorization": f"Bearer {scim_token(database, settings, account.id)}"}
    theirs = {"Authorization": f"Bearer {scim_token(database, settings, other.id)}"}
    assert "Initech Badge" in client.get(f"/scim/v2/Schemas/{EXTENSION}",
                                         headers=theirs).text
    assert "Initech Badge" not in client.get(f"/scim/v2/Schemas/{EXTENSION}",
                                             headers=mine).text


def test_revoked_token_is_refused(client: TestClient, database: Database, settings: Settings,
                                  account: AccountInfo) -> None:
    from sqlalchemy import select

    from phonedesk.auth import tokens
    from phonedesk.models import ApiToken
    from tests.conftest import scope_for

    secret = scim_token(database, settings, account.id)
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/scim/v2/Users", headers=headers).status_code == 200
    with database.transaction() as db:
        token = db.scalar(select(ApiToken).where(ApiToken.kind == "scim"))
        assert token is not None
        tokens.revoke_token(scope_for(db, account.id, settings), token.public_id)
    assert client.get("/scim/v2/Users", headers=headers).status_code == 401
