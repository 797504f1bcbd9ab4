"""Submit, staleness, ownership, expiry and audit of imports (R-C3, R-C7, R-E4, R-AU1)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from phonedesk.auth import tokens
from phonedesk.bulk import service as bulk
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import ImportBatch, ImportRow, Profile
from phonedesk.models.base import utcnow
from tests.bulk.conftest import all_rows, create, csv_bytes, errors_of, upload
from tests.conftest import AccountInfo, auth, make_account, scope_for


def _count_profiles(database: Database, account_id: int) -> int:
    with database.reading() as db:
        return db.scalar(select(func.count()).select_from(Profile)
                         .where(Profile.account_id == account_id)) or 0


def test_ten_thousand_rows_with_one_bad_row_then_fixed(
    api: TestClient, database: Database, account: AccountInfo
) -> None:
    """Acceptance: rejected, nothing applied, the row reported; fixed → all 10,001 applied."""
    rows = [["", f"First{i}", f"Last{i}", f"user{i}@acme.example", f"user{i}"]
            for i in range(10_001)]
    rows[7000][3] = "user7000@@acme"
    body = upload(api, csv_bytes(rows))
    assert body["status"] == "rejected"
    assert body["counts"] == {"new": 10_000, "changed": 0, "unchanged": 0, "error": 1}
    bad = all_rows(api, body["id"], outcome="error")
    assert [(r["row"], [e["column"] for e in r["errors"]]) for r in bad] == [
        (7002, ["Email Address"])]
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 409
    assert _count_profiles(database, account.id) == 1

    rows[7000][3] = "user7000@acme.example"
    fixed = upload(api, csv_bytes(rows))
    assert fixed["status"] == "validated"
    submitted = api.post(f"/api/v1/imports/{fixed['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["counts"]["new"] == 10_001
    assert _count_profiles(database, account.id) == 10_002
    created = api.get("/api/v1/profiles", params={"q": "user7000@acme.example"}).json()
    assert created["items"][0]["username"] == "user7000"
    assert created["items"][0]["id"].startswith("p")


def test_profile_edited_between_validate_and_submit_refuses_submit(api: TestClient) -> None:
    """R-C3: no lost update — an API edit after validation makes submit refuse."""
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    body = upload(api, csv_bytes([[ann["id"], "Anne", "Lee", "ann@acme.example", "ann"],
                                  ["", "New", "Person", "new@acme.example", "newp"]]))
    assert body["counts"] == {"new": 1, "changed": 1, "unchanged": 0, "error": 0}
    assert api.patch(f"/api/v1/profiles/{ann['id']}", json={"last_name": "Leigh"}).is_success
    refused = api.post(f"/api/v1/imports/{body['id']}/submit")
    assert refused.status_code == 412
    error = refused.json()["error"]
    assert error["code"] == "import_stale" and "rows 2" in error["message"]
    assert "Nothing was applied" in error["message"]
    assert api.get(f"/api/v1/profiles/{ann['id']}").json()["first_name"] == "Ann"
    assert api.get("/api/v1/profiles", params={"q": "newp"}).json()["total"] == 0


def test_username_taken_after_validation_refuses_submit(api: TestClient) -> None:
    body = upload(api, csv_bytes([["", "New", "Person", "new@acme.example", "newp"]]))
    create(api, "Other", "Person", "other@acme.example", "NEWP")
    refused = api.post(f"/api/v1/imports/{body['id']}/submit")
    assert refused.status_code == 412 and refused.json()["error"]["code"] == "import_stale"


def test_submit_twice_is_refused(api: TestClient) -> None:
    body = upload(api, csv_bytes([["", "New", "Person", "new@acme.example", "newp"]]))
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 200
    again = api.post(f"/api/v1/imports/{body['id']}/submit")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "import_already_submitted"
    assert api.get("/api/v1/profiles", params={"q": "newp"}).json()["total"] == 1


def test_import_is_reachable_only_by_its_uploader(
    api: TestClient, client: TestClient, database: Database, settings: Settings,
    account: AccountInfo,
) -> None:
    """R-C7: another account, or another token of the same account, gets 404."""
    body = upload(api, csv_bytes([["", "New", "Person", "new@acme.example", "newp"]]))
    other = make_account(database, settings, "Globex")
    with database.transaction() as db:
        _, second = tokens.create_token(scope_for(db, account.id, settings), name="second")
    for token in (other.token, second):
        seen = client.get(f"/api/v1/imports/{body['id']}", headers=auth(token))
        assert seen.status_code == 404
        sub = client.post(f"/api/v1/imports/{body['id']}/submit", headers=auth(token))
        assert sub.status_code == 404
    assert api.get(f"/api/v1/imports/{body['id']}").status_code == 200


def test_submit_writes_one_audit_event_with_counts_and_rows_stay_readable(
    api: TestClient,
) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    body = upload(api, csv_bytes([[ann["id"], "Anne", "Lee", "ann@acme.example", "ann"],
                                  ["", "New", "Person", "new@acme.example", "newp"]]))
    applied = api.post(f"/api/v1/imports/{body['id']}/submit").json()
    assert applied["status"] == "applied" and applied["submitted_at"]
    events = api.get("/api/v1/audit-events", params={"action": "import.applied"}).json()
    assert events["total"] == 1
    event = events["items"][0]
    assert event["detail"]["counts"] == {"new": 1, "changed": 1, "unchanged": 0, "error": 0}
    assert event["target_id"] == body["id"]
    rows = all_rows(api, body["id"])
    assert [r["outcome"] for r in rows] == ["changed", "new"]
    assert rows[1]["profile_id"].startswith("p")
    created = api.get(f"/api/v1/profiles/{rows[1]['profile_id']}").json()
    assert created["username"] == "newp" and created["version"] == 1
    updated = api.get(f"/api/v1/profiles/{ann['id']}").json()
    assert updated["first_name"] == "Anne" and updated["version"] == ann["version"] + 1


def test_changed_names_and_email_flow_to_unedited_extension_fields(
    api: TestClient, account: AccountInfo
) -> None:
    """R-E4: an import changes extensions where the field was not edited there."""
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    assert api.post("/api/v1/extensions", json={"number": "201", "profile_id": ann["id"]}
                    ).status_code == 201
    assert api.post("/api/v1/extensions", json={"number": "202"}).status_code == 201
    edited = api.patch("/api/v1/extensions/201", json={"voicemail_email": "vm@acme.example"})
    assert edited.status_code == 200, edited.text
    pa = api.get(f"/api/v1/profiles/{account.primary_admin_id}").json()
    body = upload(api, csv_bytes([
        [ann["id"], "Ann", "Lee-Ray", "ann.new@acme.example", "ann"],
        [pa["id"], "Patricia", pa["last_name"], pa["email"], pa["username"]],
    ]))
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 200
    ext = api.get("/api/v1/extensions/201").json()
    assert ext["caller_id_last_name"] == "Lee-Ray"
    assert ext["fax_email"] == "ann.new@acme.example"
    assert ext["voicemail_email"] == "vm@acme.example"  # edited on the extension: kept
    held = api.get("/api/v1/extensions/202").json()  # held by the PA (R-E1)
    assert held["caller_id_first_name"] == "Patricia"


def test_expired_import_is_gone_and_purged(
    api: TestClient, database: Database, settings: Settings, account: AccountInfo
) -> None:
    body = upload(api, csv_bytes([["", "New", "Person", "new@acme.example", "newp"]]))
    with database.transaction() as db:
        db.execute(update(ImportBatch).values(expires_at=utcnow() - timedelta(minutes=1)))
    gone = api.get(f"/api/v1/imports/{body['id']}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "import_expired"
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 404
    with database.transaction() as db:
        assert bulk.purge_expired(scope_for(db, account.id, settings)) == 1
    with database.reading() as db:
        assert db.scalar(select(func.count()).select_from(ImportRow)) == 0
        assert db.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_applied_imports_do_not_expire(
    api: TestClient, database: Database, settings: Settings, account: AccountInfo
) -> None:
    body = upload(api, csv_bytes([["", "New", "Person", "new@acme.example", "newp"]]))
    api.post(f"/api/v1/imports/{body['id']}/submit")
    with database.transaction() as db:
        db.execute(update(ImportBatch).values(expires_at=utcnow() - timedelta(minutes=1)))
        assert bulk.purge_expired(scope_for(db, account.id, settings)) == 0
    assert api.get(f"/api/v1/imports/{body['id']}").status_code == 200


def test_preview_rows_are_paged_and_filtered_by_outcome(api: TestClient) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    rows = [[ann["id"], "Ann", "Lee", "ann@acme.example", "ann"]]
    rows += [["", f"P{i}", "X", f"p{i}@acme.example", f"p{i}"] for i in range(5)]
    rows += [["", "", "X", "bad@acme.example", "bad"]]
    body = upload(api, csv_bytes(rows))
    page = api.get(f"/api/v1/imports/{body['id']}",
                   params={"outcome": "new", "limit": 2, "offset": 2}).json()["rows"]
    assert page["total"] == 5 and [r["row"] for r in page["items"]] == [5, 6]
    errors = api.get(f"/api/v1/imports/{body['id']}", params={"outcome": "error"}).json()
    assert errors_of(errors) == [(8, "First Name", "First Name is required.")]
    unchanged = api.get(f"/api/v1/imports/{body['id']}", params={"outcome": "unchanged"})
    assert unchanged.json()["rows"]["items"][0]["profile_id"] == ann["id"]
    bad = api.get(f"/api/v1/imports/{body['id']}", params={"outcome": "nope"})
    assert bad.status_code == 422


def test_template_routes_are_not_taken_for_profile_ids(api: TestClient) -> None:
    assert api.get("/api/v1/profiles/template.csv").headers["content-type"].startswith(
        "text/csv")
    assert api.get("/api/v1/profiles/export.csv").status_code == 200
    assert api.get("/api/v1/profiles/nonexistent").status_code == 404


def test_unauthenticated_cannot_download_or_upload(client: TestClient) -> None:
    assert client.get("/api/v1/profiles/template.csv").status_code == 401
    assert client.post("/api/v1/imports", files={"file": ("a.csv", b"x", "text/csv")}
                       ).status_code == 401
