"""The Extensions column: assignments in the CSV file (R-E1, R-E2, R-D2, R-V1, R-C2–R-C4).

A number added to a row assigns that extension (creating it when new, with its
desk phone credential), a number taken away hands it to the PA; the preview
lists every change and the email each sends; errors are row-numbered and the
file is all or nothing; a file without the column leaves assignments alone.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from tests.bulk.conftest import HEADER, create, csv_bytes, errors_of, template, upload
from tests.conftest import AccountInfo
from tests.identity.helpers import PA_PASSWORD, pa_with_password
from tests.outbox.support import form_token, sign_in, web  # noqa: F401  (fixture)

EXT_HEADER = [*HEADER, "Extensions"]


def _ext(api: TestClient, number: str, profile_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"number": number}
    if profile_id:
        body["profile_id"] = profile_id
    response = api.post("/api/v1/extensions", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _holder(api: TestClient, number: str) -> str | None:
    response = api.get(f"/api/v1/extensions/{number}")
    assert response.status_code == 200, response.text
    value: str | None = response.json()["profile_id"]
    return value


def _emails(database: Database, account: AccountInfo) -> list[tuple[str, str]]:
    with database.reading() as db:
        return [(m.kind, m.to_address) for m in db.scalars(
            select(OutboxMessage).where(OutboxMessage.account_id == account.id)
            .order_by(OutboxMessage.id))]


def _submit(api: TestClient, import_id: str) -> dict[str, Any]:
    response = api.post(f"/api/v1/imports/{import_id}/submit")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _changes(body: dict[str, Any]) -> list[tuple[int, str, str, bool, str | None]]:
    return [(a["row"], a["number"], a["change"], a["create"], a["email"])
            for a in body["assignments"]]


def test_onboarding_creates_and_assigns_extensions_and_sends_the_previewed_emails(
    api: TestClient, database: Database, account: AccountInfo,
) -> None:
    _ext(api, "201")  # held by the PA
    before = _emails(database, account)
    body = upload(api, csv_bytes([
        ["", "Ann", "Lee", "ann@acme.example", "ann", "201; 202"],
        ["", "Bob", "Ray", "bob@acme.example", "bob", "203"],
        ["", "Cy", "Lo", "cy@acme.example", "cy", ""],
    ], header=EXT_HEADER))
    assert body["status"] == "validated", errors_of(body)
    assert _changes(body) == [(2, "201", "assign", False, "assigned_setup"),
                              (2, "202", "assign", True, "assigned_setup"),
                              (3, "203", "assign", True, "assigned_setup")]
    assert _emails(database, account) == before  # nothing before submit (R-C3)
    done = _submit(api, body["id"])
    assert sorted(c["number"] for c in done["created_extensions"]) == ["202", "203"]
    assert all(c["sip"]["password"] for c in done["created_extensions"])
    sent = _emails(database, account)[len(before):]
    assert sent == [("assigned_setup", "ann@acme.example"), ("assigned_setup", "ann@acme.example"),
                    ("assigned_setup", "bob@acme.example")]
    ann = next(r for r in api.get("/api/v1/profiles", params={"q": "ann@acme"}).json()["items"])
    assert _holder(api, "201") == ann["id"] and _holder(api, "202") == ann["id"]
    exported = list(csv.reader(io.StringIO(template(api).decode("utf-8-sig"))))
    assert exported[0][-1] == "Extensions"
    assert next(r for r in exported if r[1] == "Ann")[-1] == "201; 202"
    assert next(r for r in exported if r[1] == "Cy")[-1] == ""


def test_a_number_taken_away_goes_to_the_pa_and_a_moved_one_to_its_new_row(
    api: TestClient, database: Database, account: AccountInfo,
) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    bob = create(api, "Bob", "Ray", "bob@acme.example", "bob")
    _ext(api, "301", ann["id"])
    _ext(api, "302", ann["id"])
    before = _emails(database, account)
    body = upload(api, csv_bytes([
        [ann["id"], "Ann", "Lee", "ann@acme.example", "ann", "301"],
        [bob["id"], "Bob", "Ray", "bob@acme.example", "bob", "302"],
    ], header=EXT_HEADER))
    assert body["status"] == "validated", errors_of(body)
    assert body["counts"]["changed"] == 2
    assert _changes(body) == [(2, "302", "remove", False, None),
                              (3, "302", "assign", False, "assigned_setup")]
    _submit(api, body["id"])
    assert _holder(api, "302") == bob["id"] and _holder(api, "301") == ann["id"]
    assert _emails(database, account)[len(before):] == [("assigned_setup", "bob@acme.example")]

    body = upload(api, csv_bytes([[bob["id"], "Bob", "Ray", "bob@acme.example", "bob", ""]],
                                 header=EXT_HEADER))
    assert _changes(body) == [(2, "302", "remove", False, None)]
    _submit(api, body["id"])
    assert _holder(api, "302") is None  # R-D2: the primary administrator holds it


def test_the_template_round_trips_and_a_file_without_the_column_leaves_assignments(
    api: TestClient,
) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    _ext(api, "401", ann["id"])
    _ext(api, "40", ann["id"])
    body = upload(api, template(api))
    assert body["status"] == "validated" and body["counts"]["changed"] == 0, body["counts"]
    assert body["assignments"] == []
    body = upload(api, csv_bytes([[ann["id"], "Anne", "Lee", "ann@acme.example", "ann"]]))
    assert body["assignments"] == []
    _submit(api, body["id"])
    assert _holder(api, "401") == ann["id"] and _holder(api, "40") == ann["id"]


def test_errors_are_row_numbered_and_nothing_is_applied(
    api: TestClient, database: Database, account: AccountInfo,
) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    off = create(api, "Dee", "Off", "dee@acme.example", "dee")
    assert api.post(f"/api/v1/profiles/{off['id']}/disable").status_code == 200
    outsider = create(api, "Out", "Side", "out@acme.example", "out")
    _ext(api, "601", outsider["id"])
    body = upload(api, csv_bytes([
        ["", "New", "One", "n1@acme.example", "n1", "501"],
        ["", "New", "Two", "n2@acme.example", "n2", "501; 5x2"],
        [off["id"], "Dee", "Off", "dee@acme.example", "dee", "502"],
        [ann["id"], "Ann", "Lee", "ann@acme.example", "ann", "601"],
        ["", "New", "Three", "n3@acme.example", "n3", "12345678901"],
    ], header=EXT_HEADER))
    assert body["status"] == "rejected"
    errors = [(row, column) for row, column, _ in errors_of(body)]
    assert errors == [(3, "Extensions"), (3, "Extensions"), (4, "Extensions"),
                      (5, "Extensions"), (6, "Extensions")]
    messages = " ".join(m for _, _, m in errors_of(body))
    assert "also on row 2" in messages and "“5x2”" in messages and "disabled" in messages
    assert "Out Side" in messages
    before = _emails(database, account)
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 409
    assert api.get("/api/v1/extensions/501").status_code == 404
    assert _emails(database, account) == before


def test_an_extension_taken_after_validation_refuses_submit(api: TestClient) -> None:
    body = upload(api, csv_bytes([["", "New", "One", "n1@acme.example", "n1", "701"]],
                                 header=EXT_HEADER))
    assert body["status"] == "validated"
    _ext(api, "701")
    response = api.post(f"/api/v1/imports/{body['id']}/submit")
    assert response.status_code == 412, response.text
    assert api.get("/api/v1/profiles", params={"q": "n1@acme"}).json()["total"] == 0


def test_the_verify_page_lists_assignments_and_submit_shows_new_credentials(
    api: TestClient, web: TestClient, account: AccountInfo,  # noqa: F811
) -> None:
    username = pa_with_password(web, account)
    assert sign_in(web, username, PA_PASSWORD, portal=False).status_code == 303
    choose = web.get("/admin/imports/new?step=choose")
    data = csv_bytes([["", "Ann", "Lee", "ann@acme.example", "ann", "901"]], header=EXT_HEADER)
    uploaded = web.post("/admin/imports", data={"csrf_token": form_token(choose.text)},
                        files={"file": ("staff.csv", data, "text/csv")}, follow_redirects=False)
    assert uploaded.status_code == 303, uploaded.text
    page = web.get(uploaded.headers["location"])
    assert page.status_code == 200
    assert "Extension assignments (1)" in page.text
    assert "New extension, assigned" in page.text and "To ann@acme.example" in page.text
    done = web.post(uploaded.headers["location"] + "/submit",
                    data={"csrf_token": form_token(page.text)})
    assert done.status_code == 200, done.text
    assert "Extension 901" in done.text and 'id="sip-password"' in done.text
    assert done.headers["cache-control"] == "no-store"
    assert _holder(api, "901") is not None
