"""Signing in and out (R-V2, R-V3, R-D1, R-AU1): sessions, throttling, generic errors."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import AuditEvent
from tests.conftest import AccountInfo
from tests.identity.helpers import (
    PA_PASSWORD,
    latest_link,
    pa_with_password,
    person,
    person_with_password,
)
from tests.outbox.support import form_token, sign_in


def _error(page_html: str) -> str:
    start = page_html.index('class="field-error"')
    return page_html[page_html.index(">", start) + 1 : page_html.index("</p>", start)]


def _actions(database: Database, account: AccountInfo) -> list[str]:
    with database.reading() as db:
        return list(
            db.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.account_id == account.id)
                .order_by(AuditEvent.id)
            )
        )


def test_sign_in_starts_a_fresh_secure_session(
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    username = pa_with_password(web, account)
    first = sign_in(web, username, PA_PASSWORD, portal=False)
    assert first.status_code == 303
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("phonedesk_admin=")
    assert "HttpOnly" in cookie and "Secure" in cookie and "samesite=lax" in cookie.lower()
    old = web.cookies["phonedesk_admin"]
    second = sign_in(web, username, PA_PASSWORD, portal=False)
    assert second.status_code == 303
    new = web.cookies["phonedesk_admin"]
    assert new != old  # a new session id at every sign-in
    assert web.get("/api/v1/profiles").status_code == 200
    web.cookies.set("phonedesk_admin", old)
    assert web.get("/api/v1/profiles").status_code == 401  # the old one was ended
    assert "auth.signed_in" in _actions(database, account)


def test_next_redirects_only_to_local_paths(web: TestClient, account: AccountInfo) -> None:
    username = pa_with_password(web, account)
    cases = {
        "/admin/profiles?q=ann": "/admin/profiles?q=ann",
        "//evil.example/x": "/admin/extensions",
        "https://evil.example/": "/admin/extensions",
        "/\\evil.example": "/admin/extensions",
        "javascript:alert(1)": "/admin/extensions",
    }
    for given, expected in cases.items():
        r = sign_in(web, username, PA_PASSWORD, portal=False, next_path=given)
        assert r.headers["location"] == expected, given


def test_the_sign_in_form_needs_its_csrf_token(web: TestClient, account: AccountInfo) -> None:
    username = pa_with_password(web, account)
    web.get("/sign-in")
    r = web.post(
        "/sign-in", data={"username": username, "password": PA_PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 403
    assert "phonedesk_admin" not in r.headers.get("set-cookie", "")


def test_wrong_password_and_unknown_username_read_the_same(
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    username = pa_with_password(web, account)
    wrong = sign_in(web, username, "not the right passphrase", portal=False)
    unknown = sign_in(web, "nobody-here", "not the right passphrase", portal=False)
    assert wrong.status_code == unknown.status_code == 401
    assert _error(wrong.text) == _error(unknown.text)
    assert "username or password" in _error(wrong.text)
    assert "auth.sign_in_failed" in _actions(database, account)


def _throttled(app: FastAPI, settings: Settings) -> None:
    app.state.settings = settings.model_copy(
        update={
            "signin_free_failures": 2,
            "signin_delay_base_seconds": 30.0,
            "signin_delay_max_seconds": 60.0,
            "signin_lock_after": 5,
            "signin_lock_minutes": 15.0,
        }
    )


def _let_delays_pass(database: Database) -> None:
    """Move every pending delay into the past, as if the user had waited (not a lock)."""
    from sqlalchemy import update

    from phonedesk.models import SignInThrottle
    from phonedesk.models.base import utcnow

    with database.transaction() as db:
        db.execute(
            update(SignInThrottle)
            .where(SignInThrottle.next_attempt_at.is_not(None))
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )


def _attempts(web: TestClient, database: Database, username: str) -> list[tuple[int, str]]:
    """Wrong passwords until the lock, waiting out each delay; what each answer said."""
    seen: list[tuple[int, str]] = []
    for _ in range(40):
        r = sign_in(web, username, "wrong wrong wrong", portal=False)
        seen.append((r.status_code, _error(r.text)))
        if "minutes" in _error(r.text):
            return seen
        if r.status_code == 429:
            assert int(r.headers["retry-after"]) > 0
            _let_delays_pass(database)
    raise AssertionError(f"never locked: {seen}")


def test_wrong_passwords_slow_down_then_lock_the_username(
    app: FastAPI,
    web: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """R-V3: growing delays, then a temporary lock even for the right password."""
    username = pa_with_password(web, account)
    _throttled(app, settings)
    seen = _attempts(web, database, username)
    codes = [code for code, _ in seen]
    assert codes[:3] == [401, 401, 401]  # the first failures cost nothing extra
    assert 429 in codes[3:]  # then a delay is imposed
    assert codes[-1] == 429 and "15 minutes" in seen[-1][1]
    locked = sign_in(web, username, PA_PASSWORD, portal=False)
    assert locked.status_code == 429  # the right password does not open a locked username
    actions = _actions(database, account)
    assert "auth.sign_in_locked" in actions and "auth.sign_in_refused" in actions

    # Unknown usernames go through exactly the same answers: nothing tells them apart
    # (tried from another address, so that the per-address counter starts afresh too).
    with TestClient(app, base_url="https://testserver", client=("192.0.2.7", 50000)) as other:
        ghost = _attempts(other, database, "ghost-user")
    assert [c for c, _ in ghost] == codes
    assert [re.sub(r"\d+ seconds?", "N", m) for _, m in ghost] == [
        re.sub(r"\d+ seconds?", "N", m) for _, m in seen
    ]


def test_sign_out_ends_the_session_on_the_server(
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    username = pa_with_password(web, account)
    sign_in(web, username, PA_PASSWORD, portal=False)
    cookie = web.cookies["phonedesk_admin"]
    refused = web.post("/sign-out", data={"csrf_token": "forged"}, follow_redirects=False)
    assert refused.status_code == 403
    assert web.get("/api/v1/profiles").status_code == 200
    page = web.get("/sign-in?next=/admin/extensions", follow_redirects=False)
    assert page.status_code == 303  # already signed in
    csrf = web.get("/api/v1/profiles")  # any page would do; take the token from the session
    assert csrf.status_code == 200
    from phonedesk.auth import sessions

    with database.reading() as db:
        active = sessions.lookup(db, cookie, kind="admin")
        assert active is not None
        token = active.session.csrf_token
    out = web.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/sign-in?notice=signed-out"
    web.cookies.set("phonedesk_admin", cookie)
    assert web.get("/api/v1/profiles").status_code == 401
    assert "You have signed out." in web.get("/sign-in?notice=signed-out").text
    assert "auth.signed_out" in _actions(database, account)


def test_disabling_refuses_the_live_session_and_voids_the_unused_link(
    api: TestClient,
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    """R-D1: the next request of a disabled profile's session is refused; its link fails."""
    eve = person_with_password(
        api, web, database, "Eve", "eve@acme.example", "eve's long passphrase", number="501"
    )
    assert sign_in(web, "eve@acme.example", "eve's long passphrase").status_code == 303
    assert web.get("/api/v1/portal/messages").status_code == 200

    fay = person(api, "Fay", "fay@acme.example", number="502")
    fay_link = latest_link(database, "fay@acme.example")
    assert web.get(fay_link).status_code == 200

    for profile_id in (eve, fay):
        r = api.post(f"/api/v1/profiles/{profile_id}/disable")
        assert r.status_code == 200, r.text
    assert web.get("/api/v1/portal/messages").status_code == 401
    page = web.get(fay_link)
    assert page.status_code == 410 and "no longer valid" in page.text
    # Her right password answers exactly like a wrong one: no oracle (R-V3).
    again = sign_in(web, "eve@acme.example", "eve's long passphrase")
    wrong = sign_in(web, "eve@acme.example", "not eve's passphrase")
    assert again.status_code == wrong.status_code == 401
    assert _error(again.text) == _error(wrong.text)
    assert "password is right" not in again.text

    # R-D3: re-enabled, Eve may sign in again only where she has access (no extension now).
    api.post(f"/api/v1/profiles/{eve}/enable")
    assert sign_in(web, "eve@acme.example", "eve's long passphrase").status_code == 401


def test_unchecking_virtual_office_takes_portal_access_away(
    api: TestClient,
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    """R-V2: the session ends at once and sign-in is refused."""
    person_with_password(
        api, web, database, "Gus", "gus@acme.example", "gus's long passphrase", number="601"
    )
    assert sign_in(web, "gus@acme.example", "gus's long passphrase").status_code == 303
    assert web.get("/api/v1/portal/messages").status_code == 200
    r = api.patch("/api/v1/extensions/601", json={"virtual_office_enabled": False})
    assert r.status_code == 200, r.text
    assert web.get("/api/v1/portal/messages").status_code == 401
    assert sign_in(web, "gus@acme.example", "gus's long passphrase").status_code == 401


def test_one_sign_in_serves_both_sides_for_who_may_use_both(
    web: TestClient,
    api: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    """R-V2: an administrator signed in on the portal page uses the Account Manager too,
    and one sign-out ends both; a portal-only user still cannot reach the Account Manager."""
    username = pa_with_password(web, account)
    assert sign_in(web, username, PA_PASSWORD, portal=True).status_code == 303
    assert web.get("/api/v1/portal/messages").status_code == 200
    assert web.get("/admin/extensions", follow_redirects=False).status_code == 200
    assert web.get("/sign-in", follow_redirects=False).status_code == 303  # already signed in
    page = web.get("/admin/extensions")
    web.post("/sign-out", data={"csrf_token": form_token(page.text)}, follow_redirects=False)
    assert web.get("/api/v1/portal/messages").status_code == 401
    assert web.get("/admin/extensions", follow_redirects=False).status_code == 303

    person_with_password(api, web, database, "Gus", "gus@acme.example",
                         "gus's long passphrase", number="601")
    assert sign_in(web, "gus@acme.example", "gus's long passphrase").status_code == 303
    assert web.get("/api/v1/portal/messages").status_code == 200
    assert web.get("/admin/extensions", follow_redirects=False).status_code == 303
    assert "Account Manager</a>" not in web.get("/portal/extensions").text


def test_failures_from_one_address_slow_it_but_never_lock_others_out(
    app: FastAPI,
    web: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """R-V3: failures are counted per client address too, but an address is only slowed
    (a short cap), never locked: a guesser sharing the office's address cannot keep the
    others out with their correct passwords."""
    username = pa_with_password(web, account)
    app.state.settings = settings.model_copy(
        update={"signin_address_free_failures": 3, "signin_address_delay_max_seconds": 4.0,
                "signin_delay_base_seconds": 2.0}
    )
    codes = []
    for n in range(60):  # far past the former address lock (50)
        r = sign_in(web, f"guess{n}", "wrong wrong wrong", portal=False)
        codes.append(r.status_code)
        if r.status_code == 429:
            assert 0 < int(r.headers["retry-after"]) <= 4
            assert "minutes" not in _error(r.text)
            _let_delays_pass(database)
    assert codes[:3] == [401, 401, 401] and 429 in codes
    slowed = sign_in(web, username, PA_PASSWORD, portal=False)
    assert slowed.status_code == 429 and int(slowed.headers["retry-after"]) <= 4
    _let_delays_pass(database)
    assert sign_in(web, username, PA_PASSWORD, portal=False).status_code == 303
    with TestClient(app, base_url="https://testserver", client=("192.0.2.8", 50000)) as other:
        assert sign_in(other, username, PA_PASSWORD, portal=False).status_code == 303


def test_the_client_address_comes_through_trusted_proxies_only(
    app: FastAPI,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """PHONEDESK_TRUSTED_PROXIES: behind the balancer each client has its own address
    counter; from an untrusted peer X-Forwarded-For is ignored (it could be forged)."""
    app.state.settings = settings.model_copy(
        update={"signin_address_free_failures": 2, "signin_delay_base_seconds": 30.0,
                "trusted_proxies": "10.0.0.0/8"}
    )
    with TestClient(app, base_url="https://testserver", client=("10.0.0.5", 443)) as balancer:
        web = balancer
        username = pa_with_password(web, account)
        guesser = {"X-Forwarded-For": "198.51.100.9, 10.0.0.7"}  # through two balancers
        for n in range(3):
            web.headers.update(guesser)
            sign_in(web, f"guess{n}", "wrong wrong wrong", portal=False)
        assert sign_in(web, "guess9", "wrong", portal=False).status_code == 429
        web.headers.update({"X-Forwarded-For": "203.0.113.4"})  # someone else in the office
        assert sign_in(web, username, PA_PASSWORD, portal=False).status_code == 303
        # A client cannot pick an address by prepending its own entries.
        web.headers.update({"X-Forwarded-For": "203.0.113.4, 198.51.100.9"})
        assert sign_in(web, "guess9", "wrong", portal=False).status_code == 429
    with TestClient(app, base_url="https://testserver", client=("192.0.2.50", 443)) as direct:
        for n in range(3):
            direct.headers.update({"X-Forwarded-For": f"192.0.2.{100 + n}"})
            sign_in(direct, f"guess{n}", "wrong wrong wrong", portal=False)
        direct.headers.update({"X-Forwarded-For": "192.0.2.200"})
        assert sign_in(direct, "guess9", "wrong", portal=False).status_code == 429


def test_stale_counters_are_pruned(
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    """Guessed usernames must not fill the counter table for ever."""
    from phonedesk.models import SignInThrottle
    from phonedesk.models.base import utcnow

    old = utcnow() - timedelta(days=2)
    with database.transaction() as db:
        db.add(
            SignInThrottle(
                key="user:long-gone", failures=3, first_failure_at=old, last_failure_at=old
            )
        )
    assert sign_in(web, "someone-else", "wrong wrong wrong", portal=False).status_code == 401
    with database.reading() as db:
        keys = set(db.scalars(select(SignInThrottle.key)))
    assert "user:long-gone" not in keys and "user:someone-else" in keys


def test_a_check_made_before_a_password_change_does_not_sign_in(
    web: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """The hash is verified outside the write transaction; it must still be the stored one."""
    from phonedesk.auth import passwords, signin
    from phonedesk.models import Profile

    username = pa_with_password(web, account)
    with database.reading() as db:
        check = signin.check_password(db, username=username, password=PA_PASSWORD)
    assert check.matches
    with database.transaction() as db:
        pa = db.scalar(select(Profile).where(Profile.email == account.admin_email))
        assert pa is not None
        pa.password_hash = passwords.hash_password("a changed passphrase")
    with database.transaction() as db:
        outcome = signin.sign_in(
            db, settings, kind="admin", username=username, password=PA_PASSWORD, check=check
        )
    assert not outcome.ok and outcome.token is None
