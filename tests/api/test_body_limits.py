"""Bodies over their limit get 413 before they are read whole (DESIGN §3 "Overload").

Each surface answers in its own error shape: the REST API's ``{"error": …}``,
SCIM's error schema, an HTML page for the Account Manager.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from phonedesk.auth import tokens
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import Profile
from phonedesk.models.token import KIND_SCIM
from tests.api.helpers import API, browser_session, error_of
from tests.conftest import AccountInfo, auth, scope_for
from tests.serve import Server, serve

LIMIT = 64 * 1024


@pytest.fixture
def small(app: FastAPI, settings: Settings) -> Settings:
    limited = settings.model_copy(update={"body_max_bytes": LIMIT,
                                          "import_max_bytes": 4 * LIMIT})
    app.state.settings = limited
    return limited


def _profiles(database: Database) -> int:
    with database.reading() as db:
        return int(db.scalar(select(func.count()).select_from(Profile)) or 0)


def _big_profile(size: int) -> bytes:
    return json.dumps({"first_name": "A", "last_name": "B", "email": "a@b.example",
                       "custom_field_1": "x" * size}).encode()


def test_json_over_the_limit_is_413_in_the_api_shape(
    small: Settings, api: TestClient, database: Database
) -> None:
    before = _profiles(database)
    response = api.post(f"{API}/profiles", content=_big_profile(LIMIT),
                        headers={"Content-Type": "application/json"})
    error = error_of(response, 413)
    assert error["code"] == "too_large" and "64 KB" in error["message"]
    # Just under the limit is parsed as usual (and refused for its own reasons).
    fits = api.post(f"{API}/profiles", content=_big_profile(LIMIT - 200),
                    headers={"Content-Type": "application/json"})
    assert fits.status_code == 422
    assert _profiles(database) == before


def _chunks(total: int, size: int = 8192) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


def test_a_streamed_body_without_length_is_cut_off(small: Settings, api: TestClient) -> None:
    """No Content-Length (chunked): counted as it arrives, refused once over the limit."""
    response = api.post(f"{API}/profiles", content=_chunks(10 * LIMIT),
                        headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert error_of(response, 413)["code"] == "too_large"


def test_an_upload_over_the_import_limit_is_413(small: Settings, api: TestClient) -> None:
    files = {"file": ("big.csv", b"first_name,last_name\n" + b"a,b\n" * (2 * LIMIT), "text/csv")}
    assert error_of(api.post(f"{API}/imports", files=files), 413)["code"] == "too_large"
    # An upload under the import limit but over the JSON one is read as usual.
    ok = {"file": ("ok.csv", b"x" * (2 * LIMIT), "text/csv")}
    assert api.post(f"{API}/imports", files=ok).status_code != 413


def test_scim_over_the_limit_is_413_in_the_scim_shape(
    small: Settings, client: TestClient, database: Database, settings: Settings,
    account: AccountInfo,
) -> None:
    with database.transaction() as db:
        _, secret = tokens.create_token(scope_for(db, account.id, settings), kind=KIND_SCIM)
    body = json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                       "userName": "big", "displayName": "x" * LIMIT})
    response = client.post("/scim/v2/Users", content=body,
                           headers={**auth(secret), "Content-Type": "application/scim+json"})
    assert response.status_code == 413
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "413"


def test_a_page_form_over_the_limit_is_an_html_413(
    small: Settings, client: TestClient, database: Database, account: AccountInfo
) -> None:
    cookie, csrf = browser_session(database, account.primary_admin_id)
    response = client.post("/admin/profiles/new",
                           headers={"Cookie": f"phonedesk_admin={cookie}"},
                           data={"csrf_token": csrf, "first_name": "x" * LIMIT})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "too large" in response.text


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir: Path = tmp_path_factory.mktemp("limits")
    yield from serve(workdir, f"sqlite:///{workdir / 'phonedesk.db'}",
                     body_max_bytes=str(LIMIT))


def test_a_live_server_answers_413_to_a_chunked_body_without_reading_it(live: Server) -> None:
    """Over a real socket: the answer comes while the client is still sending."""
    host, port = live.base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.putrequest("POST", "/api/v1/profiles")
    conn.putheader("Authorization", f"Bearer {live.token()}")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    sent = 0
    try:
        for chunk in _chunks(2 * LIMIT):
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            sent += len(chunk)
    except OSError:
        pass  # the server may close once it has answered
    response = conn.getresponse()
    assert response.status == 413
    assert json.loads(response.read())["error"]["code"] == "too_large"
    conn.close()
    assert "Traceback" not in live.text and "Exception in ASGI" not in live.text
