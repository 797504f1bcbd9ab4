"""One error shape; 404 for other accounts' objects without leaking them (R-AC1);
409 conflicts; 422 malformed input; 412 on stale versions; 401 without a valid
token (issue 2, REST API deliverable)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from phonedesk.auth import tokens
from phonedesk.config import Settings
from phonedesk.db import Database
from tests.api.helpers import (
    API,
    as_person,
    assign,
    create_extension,
    create_profile,
    error_of,
    get,
)
from tests.conftest import AccountInfo, auth, make_account, scope_for


@pytest.fixture
def other(database: Database, settings: Settings) -> AccountInfo:
    return make_account(database, settings, "Globex")


def test_other_accounts_objects_are_404_like_missing_ones(
    api: TestClient, account: AccountInfo, other: AccountInfo
) -> None:
    theirs = api.post(f"{API}/profiles", headers=auth(other.token), json={
        "first_name": "Gus", "last_name": "Globex", "email": "gus@globex.example"}).json()
    api.post(f"{API}/extensions", headers=auth(other.token), json={"number": "900"})
    mine = create_profile(api, "Alice", "Archer", "alice@acme.example")

    missing = api.get(f"{API}/profiles/pzzzzzzzzzzzzzzz")
    for method, path, body in [
        ("GET", f"/profiles/{theirs['id']}", None),
        ("PATCH", f"/profiles/{theirs['id']}", {"first_name": "Hacked"}),
        ("DELETE", f"/profiles/{theirs['id']}", None),
        ("POST", f"/profiles/{theirs['id']}/disable", None),
        ("POST", f"/profiles/{theirs['id']}/enable", None),
        ("PUT", f"/profiles/{theirs['id']}/role", {"role": "administrator"}),
        ("POST", f"/profiles/{theirs['id']}/setup-link", None),
    ]:
        response = api.request(method, f"{API}{path}", json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == missing.json(), (method, path)

    ext_missing = error_of(api.get(f"{API}/extensions/999"), 404)
    for method, path, body in [
        ("GET", "/extensions/900", None),
        ("PATCH", "/extensions/900", {"voicemail_email": "x@acme.example"}),
        ("PUT", "/extensions/900/profile", {"profile_id": mine["id"]}),
        ("DELETE", "/extensions/900/profile", None),
    ]:
        error = error_of(api.request(method, f"{API}{path}", json=body), 404)
        assert error["code"] == ext_missing["code"], (method, path)
        assert "Globex" not in error["message"]

    # Their profile cannot be assigned to my extension.
    create_extension(api, "901")
    response = api.put(f"{API}/extensions/901/profile", json={"profile_id": theirs["id"]})
    assert response.json() == missing.json()
    # My own extension 900 can exist too: numbers are unique per account only (R-E1).
    create_extension(api, "900")
    # Lists, search and directory show only my account.
    assert theirs["id"] not in {p["id"] for p in get(api, "/profiles?limit=500")["items"]}
    assert get(api, f"/profiles?q={theirs['id']}")["total"] == 0
    assert get(api, "/profiles?q=gus")["total"] == 0
    assert get(api, "/extensions?profile_id=" + theirs["id"])["total"] == 0
    assert get(api, "/extensions")["total"] == 2
    assert get(api, "/directory?q=gus")["total"] == 0
    assert {r["profile_id"] for r in get_roles(api)} == {account.primary_admin_id}
    # Nothing of theirs changed.
    again = api.get(f"{API}/profiles/{theirs['id']}", headers=auth(other.token)).json()
    assert again == theirs | {"version": 1}
    assert again["first_name"] == "Gus"


def get_roles(api: TestClient) -> list[dict[str, str]]:
    return list(api.get(f"{API}/roles").json())


def test_conflicts_are_409(api: TestClient) -> None:
    create_extension(api, "101")
    error = error_of(api.post(f"{API}/extensions", json={"number": "101"}), 409)
    assert error["code"] == "extension_exists" and error["field"] == "number"
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    api.post(f"{API}/profiles/{alice['id']}/disable")
    error = error_of(api.put(f"{API}/extensions/101/profile",
                             json={"profile_id": alice["id"]}), 409)
    assert error["code"] == "profile_disabled"
    assert "Enable the profile first" in error["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/profiles", {"first_name": "A", "last_name": "B"}, "email"),
        ("/profiles", {"first_name": "A", "last_name": "B", "email": "a@b.example",
                       "role": "x"}, "role"),
        ("/profiles", {"first_name": 5, "last_name": "B", "email": "a@b.example"},
         "first_name"),
        ("/profiles", {"first_name": "A" * 51, "last_name": "B", "email": "a@b.example"},
         "first_name"),
        ("/profiles", {"first_name": "  ", "last_name": "B", "email": "a@b.example"},
         "first_name"),
        ("/profiles", {"first_name": "A\nB", "last_name": "B", "email": "a@b.example"},
         "first_name"),
        ("/profiles", {"first_name": "A", "last_name": "B", "email": "not-an-email"}, "email"),
        ("/profiles", {"first_name": "A", "last_name": "B", "email": "a@b.example",
                       "custom_field_1": "x" * 101}, "custom_field_1"),
        ("/extensions", {"number": "1"}, "number"),
        ("/extensions", {"number": "12345678901"}, "number"),
        ("/extensions", {"number": "12a"}, "number"),
        ("/extensions", {"number": "١٢٣"}, "number"),
        ("/extensions", {"number": "123", "virtual_office_enabled": "maybe"},
         "virtual_office_enabled"),
    ],
)
def test_malformed_input_is_422_naming_the_field(api: TestClient, path: str,
                                                 body: dict[str, object], field: str) -> None:
    error = error_of(api.post(f"{API}{path}", json=body), 422)
    assert error["field"] == field, error
    assert get(api, "/profiles")["total"] == 1  # only the PA: nothing half-applied
    assert get(api, "/extensions")["total"] == 0


def test_not_json_is_422(api: TestClient) -> None:
    response = api.post(f"{API}/profiles", content=b"{not json",
                        headers={"content-type": "application/json"})
    error_of(response, 422)
    error_of(api.post(f"{API}/profiles", json=["a", "list"]), 422)
    error_of(api.get(f"{API}/profiles?limit=100000"), 422)
    error_of(api.get(f"{API}/profiles?sort=password_hash"), 422)


def test_extension_edit_errors_name_the_field(api: TestClient) -> None:
    create_extension(api, "101")
    error = error_of(api.patch(f"{API}/extensions/101", json={"fax_email": "nope"}), 422)
    assert error["field"] == "fax_email"
    assert "Fax notification address" in error["message"]
    error = error_of(api.patch(f"{API}/extensions/101",
                               json={"caller_id_last_name": "x" * 51}), 422)
    assert error["field"] == "caller_id_last_name"
    assert "Caller ID last name" in error["message"]


def test_unknown_paths_and_methods_use_the_error_shape(api: TestClient) -> None:
    assert error_of(api.get(f"{API}/nothing-here"), 404)["code"] == "not_found"
    assert error_of(api.put(f"{API}/profiles"), 405)["code"] == "method_not_allowed"


def test_if_match_and_etag(api: TestClient) -> None:
    """Optimistic concurrency: a stale If-Match is 412 and changes nothing."""
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    path = f"{API}/profiles/{alice['id']}"
    read = api.get(path)
    assert read.headers["etag"] == '"1"'
    first = api.patch(path, json={"first_name": "Alicia"}, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    assert first.json()["version"] == 2

    for stale in ('"1"', 'W/"1"', "1", '"abc"', '"99999999999999999999"'):
        error = error_of(api.patch(path, json={"first_name": "Lost"},
                                   headers={"If-Match": stale}), 412)
        assert error["code"] == "stale_version"
    error_of(api.post(f"{path}/disable", headers={"If-Match": '"1"'}), 412)
    error_of(api.delete(path, headers={"If-Match": '"1"'}), 412)
    current = get(api, f"/profiles/{alice['id']}")
    assert (current["first_name"], current["status"], current["version"]) == (
        "Alicia", "active", 2)

    assert api.patch(path, json={"last_name": "A"}, headers={"If-Match": 'W/"2"'}).status_code \
        == 200
    assert api.patch(path, json={"last_name": "B"}, headers={"If-Match": "*"}).status_code == 200
    assert api.post(f"{path}/disable", headers={"If-Match": '"4"'}).status_code == 200
    # A PATCH that changes nothing keeps the version.
    same = api.patch(path, json={"last_name": "B"})
    assert same.headers["etag"] == '"5"'


def test_extension_if_match(api: TestClient) -> None:
    etag = api.post(f"{API}/extensions", json={"number": "101"}).headers["etag"]
    ok = api.patch(f"{API}/extensions/101", json={"caller_id_first_name": "Desk"},
                   headers={"If-Match": etag})
    assert ok.status_code == 200
    error_of(api.patch(f"{API}/extensions/101", json={"caller_id_first_name": "Lost"},
                       headers={"If-Match": etag}), 412)
    assert get(api, "/extensions/101")["caller_id_first_name"] == "Desk"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz",
                                     "Bearer pd_unknown", "Token pd_x"])
def test_401_without_a_valid_token(client: TestClient, account: AccountInfo,
                                   header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for method, path in [("GET", "/profiles"), ("POST", "/profiles"), ("GET", "/directory"),
                         ("GET", "/audit-events"),
                         ("GET", f"/profiles/{account.primary_admin_id}")]:
        response = client.request(method, f"{API}{path}", headers=headers, json={})
        error = error_of(response, 401)
        assert error["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == "Bearer"


def test_revoked_and_scim_tokens_are_refused(client: TestClient, account: AccountInfo,
                                             database: Database, settings: Settings) -> None:
    with database.transaction() as db:
        scope = scope_for(db, account.id, settings)
        token, secret = tokens.create_token(scope, name="to revoke")
        _, scim_secret = tokens.create_token(scope, kind="scim", name="idp")
        token_id = token.public_id
    assert client.get(f"{API}/profiles", headers=auth(secret)).status_code == 200
    error_of(client.get(f"{API}/profiles", headers=auth(scim_secret)), 401)
    with database.transaction() as db:
        tokens.revoke_token(scope_for(db, account.id, settings), token_id)
    error_of(client.get(f"{API}/profiles", headers=auth(secret)), 401)
    # Other tokens of the account keep working.
    assert client.get(f"{API}/profiles", headers=auth(account.token)).status_code == 200


def test_list_search_sort_and_paging(api: TestClient) -> None:
    for first, last in [("Cara", "Cole"), ("Abe", "Adams"), ("Bea", "Brown"), ("Dee", "Dunn")]:
        create_profile(api, first, last, f"{first.lower()}@acme.example")
    page = get(api, "/profiles?sort=first_name&limit=2&offset=1")
    assert page["total"] == 5 and page["limit"] == 2 and page["offset"] == 1
    assert [p["first_name"] for p in page["items"]] == ["Bea", "Cara"]
    desc = get(api, "/profiles?sort=last_name&order=desc&limit=1")
    assert desc["items"][0]["last_name"] == "Dunn"
    assert get(api, "/profiles?q=BROWN")["total"] == 1
    # Search text is literal: SQL wildcards match only themselves.
    assert get(api, "/profiles?q=%25")["total"] == 0
    create_profile(api, "Jo", "Doe", "jo1@acme.example", username="john_doe")
    create_profile(api, "Jo", "Doe", "jo2@acme.example", username="johnxdoe")
    assert [p["username"] for p in get(api, "/profiles?q=john_doe")["items"]] == ["john_doe"]
    create_extension(api, "555")
    assert get(api, "/extensions?q=_")["total"] == 0
    assert get(api, "/extensions?q=5%25")["total"] == 0
    assert get(api, "/directory?q=%25")["total"] == 0
    assert get(api, "/profiles?status=disabled")["total"] == 0


def test_extension_list_and_search(api: TestClient) -> None:
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example", username="alice")
    for number in ("1000", "101", "20"):
        create_extension(api, number)
    assign(api, "101", alice["id"])
    assert [e["number"] for e in get(api, "/extensions")["items"]] == ["20", "101", "1000"]
    assert [e["number"] for e in get(api, "/extensions?q=archer")["items"]] == ["101"]
    assert [e["number"] for e in get(api, f"/extensions?profile_id={alice['id']}")["items"]] \
        == ["101"]


def test_extension_etag_changes_whenever_its_content_does(api: TestClient,
                                                          account: AccountInfo,
                                                          database: Database) -> None:
    """A change that flows in from the holder's profile (R-E4) or from a PA transfer
    (R-AC2) changes the extension, so its version/ETag must change too: a client
    that read it before must get 412, not overwrite what it never saw."""
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    create_extension(api, "101")
    create_extension(api, "102")
    assign(api, "101", alice["id"])
    before = api.get(f"{API}/extensions/101").headers["etag"]
    api.patch(f"{API}/profiles/{alice['id']}", json={"email": "alice@new.example"})
    after = api.get(f"{API}/extensions/101")
    assert after.json()["voicemail_email"] == "alice@new.example"
    assert after.headers["etag"] != before
    error_of(api.patch(f"{API}/extensions/101", json={"caller_id_first_name": "Stale"},
                       headers={"If-Match": before}), 412)

    held_before = api.get(f"{API}/extensions/102").headers["etag"]
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example", username="bea")
    api.put(f"{API}/profiles/{bea['id']}/role", json={"role": "administrator"})
    as_person(api, database, account.primary_admin_id, "PUT", "/primary-administrator",
              json={"profile_id": bea["id"]})
    held = api.get(f"{API}/extensions/102")
    assert held.json()["voicemail_email"] == "bea@acme.example"
    assert held.headers["etag"] != held_before


def test_patch_saves_like_the_edit_extension_screen(api: TestClient, database: Database,
                                                    account: AccountInfo) -> None:
    """R-V1, R-E3, R-E4 over the REST API: PATCH with profile_id does what Save Changes does,
    in its order: Virtual Office first (no password words in the email), then the
    assignment, then this extension's edits."""
    from tests.api.helpers import outbox

    ann = create_profile(api, "Ann", "Lee", "ann@acme.example")
    ext = create_extension(api, "301")
    response = api.patch(f"{API}/extensions/301", headers={"If-Match": f'"{ext["version"]}"'},
                         json={"profile_id": ann["id"], "virtual_office_enabled": False,
                               "caller_id_first_name": "Reception"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["profile_id"], body["holder"]["id"]) == (ann["id"], ann["id"])
    assert (body["caller_id_first_name"], body["caller_id_last_name"]) == ("Reception", "Lee")
    assert body["sources"]["caller_id_first_name"] == "edited"
    assert body["voicemail_email"] == "ann@acme.example"
    assert [(m.kind, m.to_address) for m in outbox(database, account.id)] == [
        ("assigned_no_portal", "ann@acme.example")]
    stale = api.patch(f"{API}/extensions/301", headers={"If-Match": f'"{ext["version"]}"'},
                      json={"profile_id": account.primary_admin_id})
    assert error_of(stale, 412)["code"] == "stale_version"
