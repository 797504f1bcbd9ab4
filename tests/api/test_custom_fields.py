"""R-P4: a custom field without a label is disabled, whichever interface writes it.

The rule lives in the profile service, so the REST API, SCIM and the pages give
the same answer: a value for a disabled field is refused with an error naming
the field; sending it empty (or as it already is) changes nothing, and a value
held from before its label was removed is kept, to show again once it is named.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.helpers import API, create_profile, error_of, get


def _label(api: TestClient, number: int, label: str | None) -> None:
    response = api.put(f"{API}/settings/profile-fields",
                       json={"custom_fields": [{"number": number, "label": label}]})
    assert response.status_code == 200, response.text


def _patch(api: TestClient, profile_id: str, **changes: Any) -> Any:
    return api.patch(f"{API}/profiles/{profile_id}", json=changes)


def test_creating_with_a_value_for_an_unlabelled_field_is_refused(api: TestClient) -> None:
    before = get(api, "/profiles")["total"]
    response = api.post(f"{API}/profiles", json={
        "first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example",
        "custom_field_2": "Berlin"})
    error = error_of(response, 422)
    assert (error["field"], error["code"]) == ("custom_field_2", "custom_field_disabled")
    assert "no label" in error["message"] and "Custom Field 2" in error["message"]
    assert get(api, "/profiles")["total"] == before  # nothing half-created
    # Empty is no value: the profile is created, the disabled field stays empty.
    created = create_profile(api, "Ann", "Lee", "ann@acme.example", custom_field_2="")
    assert created["custom_field_2"] is None


def test_patch_refuses_a_new_value_and_keeps_a_hidden_one(api: TestClient) -> None:
    profile = create_profile(api, "Bo", "Ek", "bo@acme.example")
    pid = profile["id"]
    error = error_of(_patch(api, pid, custom_field_1="Sales"), 422)
    assert (error["field"], error["code"]) == ("custom_field_1", "custom_field_disabled")

    _label(api, 1, "Department")
    assert _patch(api, pid, custom_field_1="Sales").json()["custom_field_1"] == "Sales"
    _label(api, 1, None)  # disabled again: the value stays, hidden
    for empty in (None, ""):
        kept = _patch(api, pid, custom_field_1=empty)
        assert kept.status_code == 200, kept.text
        assert kept.json()["custom_field_1"] == "Sales"
    # Sending back what it holds (as a SCIM round trip does) is no change either.
    same = _patch(api, pid, custom_field_1="Sales", last_name="Eklund")
    assert same.status_code == 200 and same.json()["last_name"] == "Eklund"
    assert same.json()["custom_field_1"] == "Sales"
    error_of(_patch(api, pid, custom_field_1="Marketing"), 422)
    _label(api, 1, "Department")
    assert get(api, f"/profiles/{pid}")["custom_field_1"] == "Sales"
