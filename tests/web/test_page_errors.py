"""Bad addresses and bad form posts to the pages: an HTML page that says what is wrong,
never a 500, JSON or a stack trace (DESIGN §5). Runs without a browser, on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from phonedesk.auth import sessions
from phonedesk.auth.passwords import hash_password
from phonedesk.auth.web import COOKIES
from phonedesk.db import Database
from phonedesk.models import Profile
from phonedesk.models.web_session import KIND_ADMIN
from tests.conftest import AccountInfo


@pytest.fixture
def admin(client: TestClient, database: Database, account: AccountInfo) -> tuple[TestClient, str]:
    with database.transaction() as db:
        pa = db.query(Profile).filter_by(public_id=account.primary_admin_id).one()
        pa.password_hash = hash_password("a long enough password")
        row, token = sessions.start(db, profile=pa, kind=KIND_ADMIN)
        csrf = row.csrf_token
    client.cookies.set(COOKIES[KIND_ADMIN], token)
    return client, csrf


@pytest.mark.parametrize("path,status,words", [
    ("/admin/profiles?page=abc", 422, "page"),
    ("/admin/profiles?size=100000", 422, "size"),
    ("/admin/profiles?sort=password_hash", 200, "User Profiles"),
    ("/admin/profiles/pnotarealprofile", 404, "No such user profile"),
    ("/admin/extensions/abc", 404, "No extension abc"),
    ("/admin/imports/imp_guess", 404, "No such import"),
    ("/admin/audit?since=2026-13-45", 422, "YYYY-MM-DD"),
    ("/admin/nothing-here", 404, "nothing at this address"),
    ("/portal/messages", 200, "My Messages"),  # one sign-in serves both sides (R-V2)
])
def test_bad_addresses_render_html(admin: tuple[TestClient, str], path: str, status: int,
                                   words: str) -> None:
    client, _ = admin
    response = client.get(path, follow_redirects=False)
    assert response.status_code == status, response.text[:300]
    if status != 303:
        assert response.headers["content-type"].startswith("text/html")
        assert words in response.text
        assert "Traceback" not in response.text


def test_bad_form_posts_keep_input_and_never_fail(admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    response = client.post("/admin/profiles/new", data={
        "csrf_token": csrf, "first_name": "\x00", "last_name": "L" * 60, "email": "x@",
        "username": ""})
    assert response.status_code == 422
    assert "control character" in response.text
    response = client.post("/admin/extensions/201", data={"csrf_token": csrf, "version": "x"})
    assert response.status_code in (404, 422)
    assert response.headers["content-type"].startswith("text/html")
    response = client.post("/admin/tokens", data={"csrf_token": csrf, "kind": "root",
                                                  "name": "n"})
    assert response.status_code == 422 and "Unknown token kind" in response.text
    response = client.post("/admin/imports", data={"csrf_token": csrf},
                           files={"file": ("x.csv", b"\xff\xfe\x00garbage", "text/csv")})
    assert response.status_code == 200  # the Verify page, which says what is wrong
    assert "Nothing can be submitted" in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("token", ["", "wrong", "jéton-non-ascii", "\u2603" * 40])
def test_a_bad_csrf_token_is_refused_not_a_500(admin: tuple[TestClient, str], token: str) -> None:
    """Every state-changing form needs the session's CSRF token; any other value is a 403."""
    client, _ = admin
    response = client.post("/admin/profiles/new", data={
        "csrf_token": token, "first_name": "Ann", "last_name": "Lee",
        "email": "ann@acme.example", "username": ""})
    assert response.status_code == 403, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "expired" in response.text
