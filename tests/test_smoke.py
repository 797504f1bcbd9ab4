from fastapi.testclient import TestClient

from tests.conftest import AccountInfo


def test_create_and_read_profile(api: TestClient, account: AccountInfo) -> None:
    r = api.post("/api/v1/profiles", json={"first_name": "Ann", "last_name": "Lee",
                                           "email": "ann@acme.example"})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["username"] == "ann@acme.example"
    r2 = api.get(f"/api/v1/profiles/{body['id']}")
    assert r2.status_code == 200
    assert r2.headers["etag"] == '"1"'
