"""Custom field labels and viewable columns (R-C1, R-P4)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.bulk.conftest import HEADER, template


def test_defaults(api: TestClient) -> None:
    body = api.get("/api/v1/settings/profile-fields").json()
    assert body["custom_fields"] == [{"number": n, "label": None} for n in (1, 2, 3)]
    assert body["visible_columns"] == ["first_name", "last_name", "email", "username",
                                       "extensions", "status", "role"]


def test_labels_enable_custom_columns_in_the_template(api: TestClient) -> None:
    response = api.put("/api/v1/settings/profile-fields", json={
        "custom_fields": [{"number": 3, "label": "  Office  "}]})
    assert response.status_code == 200
    assert response.json()["custom_fields"][2] == {"number": 3, "label": "Office"}
    assert template(api).decode("utf-8-sig").split("\r\n")[0] == ",".join([*HEADER, "Office",
                                                                           "Extensions"])
    response = api.put("/api/v1/settings/profile-fields", json={
        "custom_fields": [{"number": 3, "label": ""}]})
    assert response.json()["custom_fields"][2]["label"] is None
    assert template(api).decode("utf-8-sig").split("\r\n")[0] == ",".join([*HEADER, "Extensions"])


def test_viewable_columns_are_saved_in_table_order(api: TestClient) -> None:
    api.put("/api/v1/settings/profile-fields", json={
        "custom_fields": [{"number": 1, "label": "Department"}]})
    response = api.put("/api/v1/settings/profile-fields", json={
        "visible_columns": ["role", "internal_id", "custom_field_1", "last_name"]})
    assert response.status_code == 200
    assert response.json()["visible_columns"] == ["internal_id", "last_name",
                                                  "custom_field_1", "role"]
    assert api.get("/api/v1/settings/profile-fields").json()["visible_columns"][2] == (
        "custom_field_1")
    events = api.get("/api/v1/audit-events",
                     params={"action": "settings.profile_fields_updated"}).json()
    assert events["total"] == 2


def test_invalid_settings_are_refused(api: TestClient) -> None:
    cases = [
        {"custom_fields": [{"number": 1, "label": "Username"}]},
        {"custom_fields": [{"number": 1, "label": "Dept"}, {"number": 2, "label": "DEPT"}]},
        {"custom_fields": [{"number": 1, "label": "x" * 51}]},
        {"visible_columns": ["custom_field_2"]},
        {"visible_columns": ["salary"]},
        {"custom_fields": [{"number": 4, "label": "x"}]},
    ]
    for body in cases:
        response = api.put("/api/v1/settings/profile-fields", json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["message"]
