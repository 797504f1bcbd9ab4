"""Primary administrator, roles, transfer and delete/archive (R-AC2, R-AD1, R-D4)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from phonedesk.db import Database
from tests.api.helpers import (
    API,
    account_row,
    as_person,
    assign,
    browser_session,
    create_extension,
    create_profile,
    error_of,
    get,
    outbox,
)
from tests.conftest import AccountInfo


def test_primary_admin_cannot_be_disabled(api: TestClient, account: AccountInfo) -> None:
    error = error_of(api.post(f"{API}/profiles/{account.primary_admin_id}/disable"), 409)
    assert error["code"] == "primary_admin_cannot_be_disabled"
    assert "primary administrator cannot be disabled" in error["message"]
    assert "Transfer" in error["message"]
    assert get(api, f"/profiles/{account.primary_admin_id}")["status"] == "active"
    error = error_of(api.put(f"{API}/profiles/{account.primary_admin_id}/role",
                             json={"role": None}), 409)
    assert error["code"] == "primary_admin_role_fixed"


def test_grant_admin_sends_setup_link(api: TestClient, account: AccountInfo,
                                      database: Database) -> None:
    """R-AD1: admin rights to a profile without a password send a setup link."""
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example", username="bea")
    response = api.put(f"{API}/profiles/{bea['id']}/role", json={"role": "administrator"})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "administrator"
    [message] = outbox(database, account.id)
    assert message.kind == "admin_granted" and message.to_address == "bea@acme.example"
    assert "https://phonedesk.example.test/password/setup/" in message.body_text
    roles = {r["profile_id"]: r["role"] for r in get_list(api, "/roles")}
    assert roles == {account.primary_admin_id: "primary_administrator",
                     bea["id"]: "administrator"}
    error = error_of(api.put(f"{API}/profiles/{bea['id']}/role",
                             json={"role": "primary_administrator"}), 422)
    assert error["field"] == "role"


def get_list(api: TestClient, path: str) -> list[dict[str, object]]:
    response = api.get(f"{API}{path}")
    assert response.status_code == 200, response.text
    return list(response.json())


def test_transfer_primary_admin(api: TestClient, account: AccountInfo,
                                database: Database) -> None:
    """R-AC2: transfer to an active admin; held extensions follow the new PA's email."""
    old_pa = account.primary_admin_id
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example", username="bea")
    carl = create_profile(api, "Carl", "Clerk", "carl@acme.example", username="carl")
    create_extension(api, "601")
    create_extension(api, "602")
    api.patch(f"{API}/extensions/602", json={"voicemail_email": "desk@acme.example"})

    # Only an active administrator can become PA; only the PA can hand it on (R-AC2).
    error = error_of(as_person(api, database, old_pa, "PUT", "/primary-administrator",
                               json={"profile_id": carl["id"]}), 409)
    assert error["code"] == "not_an_administrator"
    api.put(f"{API}/profiles/{bea['id']}/role", json={"role": "administrator"})

    response = as_person(api, database, old_pa, "PUT", "/primary-administrator",
                         json={"profile_id": bea["id"]})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "primary_administrator"
    assert get(api, f"/profiles/{old_pa}")["role"] == "administrator"
    assert account_row(database, account.id).primary_admin_id is not None

    held = get(api, "/extensions/601")
    assert held["holder"]["id"] == bea["id"]
    assert held["voicemail_email"] == held["fax_email"] == "bea@acme.example"
    assert (held["caller_id_first_name"], held["caller_id_last_name"]) == ("Bea", "Boss")
    edited = get(api, "/extensions/602")
    assert edited["voicemail_email"] == "desk@acme.example"
    assert edited["fax_email"] == "bea@acme.example"

    # Now the former PA can be disabled; the new one cannot.
    assert api.post(f"{API}/profiles/{old_pa}/disable").status_code == 200
    error_of(api.post(f"{API}/profiles/{bea['id']}/disable"), 409)
    # Extensions released later go to the new PA.
    assign(api, "601", carl["id"])
    api.post(f"{API}/profiles/{carl['id']}/disable")
    assert get(api, "/extensions/601")["voicemail_email"] == "bea@acme.example"


def test_delete_assigned_profile_is_refused(api: TestClient) -> None:
    """R-D4: the error says to disable or reassign first; nothing changes."""
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    create_extension(api, "701")
    assign(api, "701", alice["id"])
    error = error_of(api.delete(f"{API}/profiles/{alice['id']}"), 409)
    assert error["code"] == "profile_in_use"
    assert "701" in error["message"]
    assert "Disable the profile or reassign first" in error["message"]
    assert get(api, f"/profiles/{alice['id']}")["extensions"] == ["701"]
    # An administrator cannot be deleted either, nor the PA.
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example", username="bea")
    api.put(f"{API}/profiles/{bea['id']}/role", json={"role": "read_only_administrator"})
    error = error_of(api.delete(f"{API}/profiles/{bea['id']}"), 409)
    assert "administrator" in error["message"]
    # Disabling releases the extension, after which delete works.
    api.post(f"{API}/profiles/{alice['id']}/disable")
    assert api.delete(f"{API}/profiles/{alice['id']}").status_code == 204


def test_primary_admin_cannot_be_deleted(api: TestClient, account: AccountInfo) -> None:
    error_of(api.delete(f"{API}/profiles/{account.primary_admin_id}"), 409)
    assert get(api, f"/profiles/{account.primary_admin_id}")["status"] == "active"


def test_delete_unassigned_profile_archives_it(api: TestClient, account: AccountInfo) -> None:
    """R-D4: 404 afterwards, gone from lists and directory, username free, history kept."""
    dan = create_profile(api, "Dan", "Day", "dan@acme.example", username="dan")
    api.patch(f"{API}/profiles/{dan['id']}", json={"last_name": "Dawn"})
    response = api.delete(f"{API}/profiles/{dan['id']}")
    assert response.status_code == 204
    assert response.content == b""

    for method, path in [("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/disable"),
                         ("POST", "/enable")]:
        kwargs = {"json": {"first_name": "X"}} if method == "PATCH" else {}
        error = error_of(api.request(method, f"{API}/profiles/{dan['id']}{path}", **kwargs),
                         404)
        assert error["code"] == "profile_not_found"
    assert dan["id"] not in {p["id"] for p in get(api, "/profiles?limit=500")["items"]}
    assert get(api, "/profiles?q=dan")["total"] == 0
    create_extension(api, "801")
    error_of(api.put(f"{API}/extensions/801/profile", json={"profile_id": dan["id"]}), 404)

    # The username is free again; the new profile gets a new Internal ID (R-P3).
    again = create_profile(api, "Dan", "Other", "dan2@acme.example", username="DAN")
    assert again["id"] != dan["id"]

    # The audit history of the archived profile stays readable.
    events = get(api, f"/audit-events?target_id={dan['id']}")["items"]
    actions = [e["action"] for e in events]
    assert actions == ["profile.deleted", "profile.updated", "profile.created"]
    deleted = events[0]
    assert deleted["before"]["username"] == "dan"
    assert deleted["before"]["last_name"] == "Dawn"


def test_disabled_admin_loses_rights_and_can_be_deleted(api: TestClient) -> None:
    """R-D1 suspends admin rights; a disabled profile holding nothing can be archived."""
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example", username="bea")
    api.put(f"{API}/profiles/{bea['id']}/role", json={"role": "administrator"})
    api.post(f"{API}/profiles/{bea['id']}/disable")
    assert bea["id"] not in {r["profile_id"] for r in get_list(api, "/roles")}
    error = error_of(api.put(f"{API}/profiles/{bea['id']}/role",
                             json={"role": "administrator"}), 409)
    assert error["code"] == "profile_disabled"
    assert api.delete(f"{API}/profiles/{bea['id']}").status_code == 204


def test_an_administrator_cannot_make_itself_primary(api: TestClient, account: AccountInfo,
                                                     database: Database) -> None:
    """R-AC2 as amended, over HTTP: the administrator's own session (API and page) and the
    account's API token are refused; nothing changes; the PA's own session transfers."""
    ada = create_profile(api, "Ada", "Admin", "ada@acme.example", username="ada")
    api.put(f"{API}/profiles/{ada['id']}/role", json={"role": "administrator"})
    body = {"profile_id": ada["id"]}
    refused = as_person(api, database, ada["id"], "PUT", "/primary-administrator", json=body)
    assert error_of(refused, 403)["code"] == "primary_admin_only"
    assert error_of(api.put(f"{API}/primary-administrator", json=body), 403)["code"] \
        == "primary_admin_only"
    cookie, csrf = browser_session(database, ada["id"])
    page = api.post(f"/admin/profiles/{ada['id']}/transfer-primary",
                    headers={"Authorization": "", "Cookie": f"phonedesk_admin={cookie}"},
                    data={"csrf_token": csrf})
    assert "Only the primary administrator can transfer" in page.text
    shown = api.get(f"/admin/profiles/{ada['id']}",
                    headers={"Authorization": "", "Cookie": f"phonedesk_admin={cookie}"}).text
    assert 'data-open-dialog="transfer-dialog"' not in shown
    assert "Only the primary administrator can make this administrator" in shown
    assert get(api, f"/profiles/{account.primary_admin_id}")["role"] == "primary_administrator"
    # Stripping the real PA stays refused too.
    stripped = as_person(api, database, ada["id"], "PUT",
                         f"/profiles/{account.primary_admin_id}/role", json={"role": None})
    assert error_of(stripped, 409)["code"] == "primary_admin_role_fixed"
    done = as_person(api, database, account.primary_admin_id, "PUT", "/primary-administrator",
                     json=body)
    assert done.status_code == 200 and done.json()["role"] == "primary_administrator"
