"""Forgot password on the sign-in pages (R-V2, R-V3): one answer, an email only to who may
sign in, throttled, and the link creates a password that signs in."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from phonedesk.db import Database
from phonedesk.models import AuditEvent, OutboxMessage
from tests.conftest import AccountInfo
from tests.identity.helpers import PA_PASSWORD, latest_link, pa_with_password, person
from tests.outbox.support import create_password, form_token, sign_in


def _ask(web: TestClient, username: str, kind: str = "admin") -> tuple[int, str]:
    page = web.get(f"/password/forgot?kind={kind}")
    assert page.status_code == 200
    r = web.post("/password/forgot", data={"csrf_token": form_token(page.text), "kind": kind,
                                           "username": username})
    start = r.text.find('id="forgot-sent">')
    return r.status_code, r.text[start:r.text.find("</p>", start)] if start >= 0 else r.text


def _resets(database: Database) -> int:
    with database.reading() as db:
        return int(db.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.kind == "password_reset")) or 0)


def test_the_answer_is_the_same_and_only_who_may_sign_in_gets_an_email(
    web: TestClient, api: TestClient, database: Database, account: AccountInfo
) -> None:
    pa_with_password(web, account)
    person(api, "Nia", "nia@acme.example", number="610", virtual_office=False)
    known = _ask(web, account.admin_email)
    unknown = _ask(web, "nobody@acme.example")
    no_portal = _ask(web, "nia@acme.example", kind="portal")
    assert known == unknown == no_portal
    assert known[0] == 200 and "on its way" in known[1]
    assert _resets(database) == 1  # only the administrator's
    with database.reading() as db:
        actions = list(db.scalars(select(AuditEvent.action)))
    assert "auth.password_reset_requested" in actions


def test_the_link_replaces_the_password_and_signs_in(
    web: TestClient, database: Database, account: AccountInfo
) -> None:
    username = pa_with_password(web, account)
    _ask(web, username, kind="portal")
    path = latest_link(database, account.admin_email)
    assert create_password(web, path, "a brand new passphrase").status_code == 200
    assert sign_in(web, username, PA_PASSWORD).status_code == 401
    assert sign_in(web, username, "a brand new passphrase").status_code == 303
    assert create_password(web, path, "yet another passphrase").status_code == 410  # spent


def test_requests_are_throttled_without_telling_which_usernames_exist(
    web: TestClient, database: Database, account: AccountInfo
) -> None:
    username = pa_with_password(web, account)
    answers = {_ask(web, username) for _ in range(6)}
    assert len(answers) == 1  # the same page each time
    assert _resets(database) <= 4  # a mailbox cannot be flooded
    for n in range(25):
        _ask(web, f"guess{n}@acme.example")
    status, text = _ask(web, "someone@acme.example")
    assert status == 429 and "Too many requests from this network" in text


def test_the_form_needs_its_csrf_token(web: TestClient, account: AccountInfo,
                                       database: Database) -> None:
    pa_with_password(web, account)
    r = web.post("/password/forgot", data={"csrf_token": "x" * 30, "username": "a"})
    assert r.status_code == 403
    assert _resets(database) == 0
