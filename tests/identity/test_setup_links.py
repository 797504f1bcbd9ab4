"""Password setup links (R-V1, R-V3, R-D1): once, concurrently once, newest only, expiry."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from phonedesk.auth import passwords, setup_links, signin
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import AuditEvent, Profile, SetupLink
from phonedesk.models.base import utcnow
from tests.conftest import AccountInfo, scope_for
from tests.identity.helpers import PA_PASSWORD, latest_link, pa_with_password, person
from tests.outbox.support import create_password, form_token, link_path, sign_in


def test_link_works_once_and_the_password_then_signs_in(
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    path = link_path(account.setup_url)
    # A mail scanner's prefetch: GETs consume nothing.
    for _ in range(2):
        confirm = web.get(path)
        assert confirm.status_code == 200
        assert "Continue" in confirm.text
        assert confirm.headers["cache-control"] == "no-store"
        assert confirm.headers["referrer-policy"] == "no-referrer"
    form = web.get(path, params={"step": "password"})
    assert 'type="password"' in form.text
    done = web.post(
        "/password/setup",
        data={
            "csrf_token": form_token(form.text),
            "password": PA_PASSWORD,
            "password_confirm": PA_PASSWORD,
        },
    )
    assert done.status_code == 200 and "Password created" in done.text
    assert not any(
        name.startswith("phonedesk_admin") or name.startswith("phonedesk_portal")
        for name in web.cookies
    )  # signs nothing in

    again = web.get(path)
    assert again.status_code == 410
    assert "already been used" in again.text
    assert create_password(web, path, "another long passphrase").status_code == 410

    signed = sign_in(web, account.admin_email, PA_PASSWORD, portal=False)
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == "/admin/extensions"
    with database.reading() as db:
        actions = set(
            db.scalars(select(AuditEvent.action).where(AuditEvent.account_id == account.id))
        )
    assert {"profile.password_set", "auth.signed_in"} <= actions


@pytest.mark.parametrize("round_", range(3))
def test_two_concurrent_uses_exactly_one_wins(
    database: Database,
    settings: Settings,
    account: AccountInfo,
    round_: int,
) -> None:
    token = link_path(account.setup_url).rsplit("/", 1)[1]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def use(password: str) -> None:
        barrier.wait()
        try:
            with database.transaction() as db:
                signin.set_password_with_link(
                    db, settings, token=token, password=password, confirm=password
                )
            result = "won:" + password
        except signin.SetupLinkInvalid as exc:
            result = "lost:" + exc.reason
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=use, args=(f"concurrent passphrase {n}",)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    winners = [o for o in outcomes if o.startswith("won:")]
    assert len(outcomes) == 2 and len(winners) == 1, outcomes
    assert "lost:used" in outcomes
    with database.reading() as db:
        pa = db.scalar(select(Profile).where(Profile.email == account.admin_email))
        assert pa is not None
        assert passwords.verify(pa.password_hash, winners[0].removeprefix("won:"))


def test_a_newer_link_voids_the_older(
    api: TestClient,
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    old = link_path(account.setup_url)
    r = api.post(f"/api/v1/profiles/{account.primary_admin_id}/setup-link")
    assert r.status_code == 200, r.text
    new = latest_link(database, account.admin_email)
    assert new != old
    page = web.get(old)
    assert page.status_code == 410 and "replaced by a newer one" in page.text
    assert create_password(web, old, "a long passphrase here").status_code == 410
    assert create_password(web, new, "a long passphrase here").status_code == 200


def test_an_expired_link_fails_with_a_clear_page(
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    with database.transaction() as db:
        db.execute(update(SetupLink).values(expires_at=utcnow() - timedelta(minutes=1)))
    path = link_path(account.setup_url)
    page = web.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.text and "send a new one" in page.text
    assert create_password(web, path, "a long passphrase here").status_code == 410


def test_unknown_link_is_a_clear_404(web: TestClient) -> None:
    page = web.get("/password/setup/not-a-real-token")
    assert page.status_code == 404 and "not valid" in page.text


@pytest.mark.parametrize(
    ("password", "confirm", "says"),
    [
        ("short one", "short one", "at least 12 characters"),
        ("1qaz2wsx3edc", "1qaz2wsx3edc", "most commonly used"),
        ("PAT.ADMIN@ACME.EXAMPLE", "PAT.ADMIN@ACME.EXAMPLE", "cannot be your username"),
        ("x" * 129, "x" * 129, "at most 128"),
        ("a long passphrase here", "a long passphrase HERE", "not the same"),
    ],
)
def test_password_rules_are_shown_next_to_the_field(
    web: TestClient,
    account: AccountInfo,
    password: str,
    confirm: str,
    says: str,
) -> None:
    """R-V3: the rule that is broken is named; the link stays usable."""
    path = link_path(account.setup_url)
    form = web.get(path, params={"step": "password"})
    r = web.post(
        "/password/setup",
        data={
            "csrf_token": form_token(form.text),
            "password": password,
            "password_confirm": confirm,
        },
    )
    assert r.status_code == 422
    assert 'class="field-error"' in r.text and says in r.text
    assert web.get(path).status_code == 200


def test_a_128_character_password_is_kept_whole(
    web: TestClient,
    account: AccountInfo,
) -> None:
    """R-V3: never truncated — a password differing only in its last character fails."""
    long_password = "correct horse " * 9 + "ab"
    assert len(long_password) == 128
    assert create_password(web, link_path(account.setup_url), long_password).status_code == 200
    near = long_password[:-1] + "c"
    assert sign_in(web, account.admin_email, near, portal=False).status_code == 401
    assert sign_in(web, account.admin_email, long_password, portal=False).status_code == 303


def test_setup_form_needs_its_csrf_token(web: TestClient, account: AccountInfo) -> None:
    path = link_path(account.setup_url)
    web.get(path, params={"step": "password"})
    r = web.post("/password/setup",
                 data={"password": PA_PASSWORD, "password_confirm": PA_PASSWORD})
    assert r.status_code == 403
    assert web.get(path).status_code == 200  # not consumed


def test_setting_a_password_ends_every_session(
    api: TestClient,
    web: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    pa_with_password(web, account)
    assert sign_in(web, account.admin_email, PA_PASSWORD, portal=False).status_code == 303
    assert web.get("/api/v1/profiles").status_code == 200  # the admin session works
    with database.transaction() as db:
        scope = scope_for(db, account.id, settings)
        pa = db.scalar(select(Profile).where(Profile.email == account.admin_email))
        assert pa is not None
        url = setup_links.issue_link(scope, pa)
    assert create_password(web, link_path(url), "a brand new passphrase").status_code == 200
    assert web.get("/api/v1/profiles").status_code == 401


def test_admins_can_neither_see_nor_set_a_password(
    api: TestClient,
    web: TestClient,
    database: Database,
    account: AccountInfo,
) -> None:
    """R-V3: admins resend links; a password never appears in, nor enters through, the API."""
    person(api, "Dee", "dee@acme.example", number="401")
    create_password(web, latest_link(database, "dee@acme.example"), "dee's own passphrase")
    listed = api.get("/api/v1/profiles").text
    assert "password_hash" not in listed and "argon2" not in listed
    profile_id = api.get("/api/v1/profiles", params={"q": "dee"}).json()["items"][0]["id"]
    r = api.patch(f"/api/v1/profiles/{profile_id}", json={"password": "admin chosen pass"})
    assert r.status_code == 422
    r = api.post(f"/api/v1/profiles/{profile_id}/setup-link")
    assert r.status_code == 409  # has a password: the user signs in with it


def test_the_password_is_hashed_before_the_write_transaction(
    database: Database, settings: Settings, account: AccountInfo
) -> None:
    """R-V3: the argon2 hash is made on a read session; the write transaction only stores it,
    so a setup never holds SQLite's write lock for the length of a hash (DESIGN §3)."""
    token = account.setup_url.rsplit("/", 1)[-1]
    password = "a long passphrase here"
    with database.reading() as db:
        prepared = setup_links.prepare_password(db, token=token, password=password,
                                                confirm=password)
    with database.reading() as db:  # preparing spent nothing
        assert setup_links.inspect_link(db, token).link.id == prepared.link_id
    with database.transaction() as db:
        profile = setup_links.set_password_with_link(
            db, settings, token=token, password=password, confirm=password, prepared=prepared)
        # argon2 salts every hash: an equal hash means none was made in this transaction.
        assert profile.password_hash == prepared.password_hash
    assert passwords.verify(prepared.password_hash, password)
    with database.reading() as db, pytest.raises(setup_links.SetupLinkInvalid):
        setup_links.inspect_link(db, token)
