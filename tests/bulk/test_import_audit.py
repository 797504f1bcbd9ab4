"""An import writes one audit event per created or changed profile (R-AU1 as amended).

The events are the profile service's own ("profile.created", "profile.updated"),
so a profile's history shows its import changes like any other edit.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.bulk.conftest import all_rows, create, csv_bytes, upload
from tests.conftest import AccountInfo
from tests.identity.helpers import PA_PASSWORD, pa_with_password
from tests.outbox.support import sign_in, web  # noqa: F401  (fixture)


def _history(api: TestClient, public_id: str) -> list[dict[str, Any]]:
    response = api.get("/api/v1/audit-events",
                       params={"target_type": "profile", "target_id": public_id})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _import(api: TestClient, rows: list[list[str]]) -> tuple[str, list[dict[str, Any]]]:
    body = upload(api, csv_bytes(rows), filename="staff.csv")
    assert body["status"] == "validated", body
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 200
    return body["id"], all_rows(api, body["id"])


def test_changed_and_created_profiles_each_get_their_event(api: TestClient) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    bob = create(api, "Bob", "Ray", "bob@acme.example", "bob")
    import_id, rows = _import(api, [
        [ann["id"], "Anne", "Lee", "anne@acme.example", "ann"],
        [bob["id"], "Bob", "Ray", "bob@acme.example", "bob"],
        ["", "Cy", "Lo", "cy@acme.example", ""],
    ])
    detail = {"source": "import", "import_id": import_id, "file": "staff.csv"}

    updated = [e for e in _history(api, ann["id"]) if e["action"] == "profile.updated"]
    assert len(updated) == 1
    assert updated[0]["before"] == {"first_name": "Ann", "email": "ann@acme.example"}
    assert updated[0]["after"] == {"first_name": "Anne", "email": "anne@acme.example"}
    assert updated[0]["detail"] == detail
    assert updated[0]["target_label"] == "Anne Lee"

    assert [e["action"] for e in _history(api, bob["id"])] == ["profile.created"]  # unchanged

    cy = rows[2]["profile_id"]
    created = _history(api, cy)
    assert [e["action"] for e in created] == ["profile.created"]
    assert created[0]["after"] == {
        "first_name": "Cy", "last_name": "Lo", "email": "cy@acme.example",
        "username": "cy@acme.example", "custom_field_1": None, "custom_field_2": None,
        "custom_field_3": None, "status": "active", "role": None,
    }
    assert created[0]["before"] is None and created[0]["detail"] == detail
    summary = api.get("/api/v1/audit-events", params={"action": "import.applied"}).json()
    assert summary["total"] == 1  # the summary event is kept


def test_profile_page_history_shows_the_import(
    api: TestClient, web: TestClient, account: AccountInfo,  # noqa: F811
) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    _, rows = _import(api, [[ann["id"], "Anne", "Lee", "ann@acme.example", "ann"],
                            ["", "Cy", "Lo", "cy@acme.example", "cy"]])
    username = pa_with_password(web, account)
    assert sign_in(web, username, PA_PASSWORD, portal=False).status_code == 303
    created_page = web.get(f"/admin/profiles/{rows[1]['profile_id']}")
    assert created_page.status_code == 200
    assert "No history yet" not in created_page.text
    assert "staff.csv" in created_page.text
    changed_page = web.get(f"/admin/profiles/{ann['id']}").text
    assert "staff.csv" in changed_page and "Anne" in changed_page
