"""HTTP details a client relies on: Allow, OPTIONS, bodies that are not UTF-8, documented
parameter formats, and reading that counts as activity (R-V2, DESIGN §5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from phonedesk.db import Database
from phonedesk.models import WebSession
from phonedesk.models.base import utcnow
from tests.api.helpers import API, browser_session, error_of
from tests.conftest import AccountInfo


@pytest.mark.parametrize(("path", "allow"), [
    ("/api/v1/profiles/pzzzzzzzzzzzzzzz", "DELETE, GET, HEAD, OPTIONS, PATCH"),
    ("/api/v1/profiles", "GET, HEAD, OPTIONS, POST"),
    ("/scim/v2/Users/x", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
])
def test_options_and_405_name_every_method_of_the_address(
    api: TestClient, path: str, allow: str
) -> None:
    options = api.options(path)
    assert options.status_code == 204 and options.headers["allow"] == allow
    refused = api.request("TRACE", path)
    assert refused.status_code == 405 and refused.headers["allow"] == allow


def test_405_on_the_api_is_in_the_error_shape(api: TestClient) -> None:
    error = error_of(api.put(f"{API}/profiles/pzzzzzzzzzzzzzzz", json={}), 405)
    assert error["code"] == "method_not_allowed" and "PATCH" in error["message"]


def test_a_body_that_is_not_utf8_is_a_documented_422(api: TestClient) -> None:
    response = api.post(f"{API}/profiles", content=b'{"first_name": "Zo\xeb"}',
                        headers={"Content-Type": "application/json"})
    assert error_of(response, 422)["code"] == "malformed_request"
    documented = api.get(f"{API}/openapi.json").json()["paths"]["/api/v1/profiles"]["post"]
    assert "422" in documented["responses"]


@pytest.mark.parametrize("value", ["0.5", "1700000000", "tomorrow", "2026-11-20"])
def test_audit_dates_take_only_the_documented_format(api: TestClient, value: str) -> None:
    error = error_of(api.get(f"{API}/audit-events", params={"until": value}), 422)
    assert error["field"] == "until"


@pytest.mark.parametrize("value", ["2026-11-20T09:30:00Z", "2026-11-20T09:30:00.123+01:00",
                                   "2026-11-20T09:30"])
def test_audit_dates_in_the_documented_format_work(api: TestClient, value: str) -> None:
    assert api.get(f"{API}/audit-events", params={"since": value}).status_code == 200


def test_every_error_status_is_documented(api: TestClient) -> None:
    responses = api.get(f"{API}/openapi.json").json()["paths"]["/api/v1/profiles"]["post"][
        "responses"]
    assert {"401", "403", "413", "422", "503"} <= set(responses)


def _last_seen(database: Database, cookie: str) -> object:
    from phonedesk.auth.secrets import digest

    with database.reading() as db:
        return db.scalar(select(WebSession.last_seen_at).where(
            WebSession.token_hash == digest(cookie)))


def test_reading_keeps_a_session_from_the_idle_sign_out(
    client: TestClient, database: Database, account: AccountInfo
) -> None:
    """R-V2: the 2-hour idle sign-out counts reads, not only changes."""
    cookie, _ = browser_session(database, account.primary_admin_id)
    headers = {"Cookie": f"phonedesk_admin={cookie}"}

    def idle_for(minutes: int) -> None:
        with database.transaction() as db:
            db.execute(update(WebSession).values(
                last_seen_at=utcnow() - timedelta(minutes=minutes)))

    for _ in range(3):  # hours of reading, 110 minutes apart
        idle_for(110)
        assert client.get("/admin/extensions", headers=headers,
                          follow_redirects=False).status_code == 200
        seen = _last_seen(database, cookie)
        assert seen is not None and seen > utcnow() - timedelta(minutes=1)  # type: ignore[operator]
    idle_for(110)
    assert client.get(f"{API}/profiles", headers=headers).status_code == 200  # REST reads too
    idle_for(121)
    assert client.get("/admin/extensions", headers=headers,
                      follow_redirects=False).status_code == 303  # idle past the limit


def test_broken_multipart_is_the_documented_422(api: TestClient) -> None:
    boundary = "0d37f771f3609e9baf6be26654101f5f"
    response = api.post(f"{API}/imports", content=f"--{boundary}\r\nTrue--{boundary}--\r\n",
                        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert error_of(response, 422)["code"] == "malformed_request"


def test_a_fixed_path_is_its_own_resource(api: TestClient) -> None:
    assert api.options(f"{API}/profiles/export.csv").headers["allow"] == "GET, HEAD, OPTIONS"
