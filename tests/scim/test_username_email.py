"""R-P2 as amended over SCIM: the email changes, the userName (sign-in name) stays."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.scim.conftest import new_user, patch_body


def test_scim_changing_the_email_keeps_user_name(scim: TestClient) -> None:
    """SCIM always carries userName: a PATCH of the email alone leaves it (R-P2)."""
    created = scim.post("/scim/v2/Users", json=new_user(
        "ada@example.com", email="ada@example.com")).json()
    response = scim.patch(f"/scim/v2/Users/{created['id']}", json=patch_body(
        {"op": "replace", "path": "emails",
         "value": [{"value": "ada.l@example.com", "type": "work", "primary": True}]}))
    assert response.status_code == 200, response.text
    assert response.json()["userName"] == "ada@example.com"
    assert response.json()["emails"][0]["value"] == "ada.l@example.com"
