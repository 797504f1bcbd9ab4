"""Email delivery over real SMTP (DESIGN §3, R-V1, R-AD1): content, retries, failures."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from phonedesk.outbox import service as outbox
from phonedesk.outbox.smtp import parse_smtp_url
from phonedesk.outbox.worker import OutboxWorker, backoff_seconds
from tests.conftest import AccountInfo, scope_for
from tests.outbox.support import (
    SmtpServer,
    create_password,
    deliver,
    free_port,
    link_path,
    wait_until,
    with_smtp,
)


def _profile(api: TestClient, first: str, email: str) -> str:
    r = api.post(
        "/api/v1/profiles", json={"first_name": first, "last_name": "Tester", "email": email}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _extension(api: TestClient, number: str, *, portal: bool = True) -> None:
    r = api.post("/api/v1/extensions", json={"number": number, "virtual_office_enabled": portal})
    assert r.status_code == 201, r.text


def _assign(api: TestClient, number: str, profile_id: str) -> None:
    r = api.put(f"/api/v1/extensions/{number}/profile", json={"profile_id": profile_id})
    assert r.status_code == 200, r.text


def test_three_assignment_variants_reach_the_smtp_server(
    api: TestClient,
    web: TestClient,
    database: Database,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    """R-V1: setup link / existing password / no portal, each to the profile's address."""
    ann = _profile(api, "Ann", "ann@acme.example")
    bob = _profile(api, "Bob", "bob@acme.example")
    _extension(api, "201")
    _extension(api, "202")
    _extension(api, "300", portal=False)
    smtp = with_smtp(settings, smtp_server)

    _assign(api, "201", ann)  # no password yet: a setup link
    deliver(database, smtp)
    [first] = smtp_server.recorder.to("ann@acme.example")
    assert first.rcpt_tos == ["ann@acme.example"]
    assert "Extension 201" in first.text and "create your password" in first.text
    path = link_path(first.text)
    assert path in first.html
    assert create_password(web, path, "a long and private passphrase").status_code == 200

    _assign(api, "202", ann)  # has a password now: sign in with it, no link
    _assign(api, "300", bob)  # Virtual Office off: no password instructions at all
    deliver(database, smtp)

    ann_mail = smtp_server.recorder.to("ann@acme.example")
    assert len(ann_mail) == 2
    second = ann_mail[1]
    assert "Extension 202" in second.text
    assert "/password/setup/" not in second.text
    assert "password you already have" in second.text
    assert "https://phonedesk.example.test/portal/sign-in" in second.text
    [bob_mail] = smtp_server.recorder.to("bob@acme.example")
    assert "Extension 300" in bob_mail.text
    assert "password" not in bob_mail.text.lower()
    assert "/password/setup/" not in bob_mail.html
    assert smtp_server.recorder.count() == 3
    for received in smtp_server.recorder.received:
        assert received.message["Message-ID"]
        assert received.message.get_body(("html",)) is not None


def test_admin_granted_email_has_a_working_link(
    api: TestClient,
    web: TestClient,
    database: Database,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    """R-AD1: granting admin rights to a profile without a password sends a setup link."""
    cara = _profile(api, "Cara", "cara@acme.example")
    r = api.put(f"/api/v1/profiles/{cara}/role", json={"role": "administrator"})
    if r.status_code == 405:
        r = api.post(f"/api/v1/profiles/{cara}/role", json={"role": "administrator"})
    assert r.status_code == 200, r.text
    deliver(database, with_smtp(settings, smtp_server))
    [mail] = smtp_server.recorder.received
    assert mail.rcpt_tos == ["cara@acme.example"]
    assert "administrator" in mail.text
    path = link_path(mail.text)
    done = create_password(web, path, "cara's admin passphrase")
    assert done.status_code == 200 and "Password created" in done.text
    assert "/sign-in" in done.text  # the Account Manager link for an admin


def _queue(database: Database, settings: Settings, account: AccountInfo, to: str) -> int:
    with database.transaction() as db:
        scope = scope_for(db, account.id, settings)
        row = outbox.enqueue(
            scope,
            kind="setup_link",
            to=to,
            template="setup_link",
            context={
                "first_name": "T",
                "username": "t",
                "setup_url": "https://x.test/a",
                "link_ttl_hours": 72,
            },
        )
        db.flush()
        return row.id


def _row(database: Database, row_id: int) -> OutboxMessage:
    with database.reading() as db:
        row = db.get(OutboxMessage, row_id)
        assert row is not None
        db.expunge(row)
        return row


def test_temporary_refusal_is_retried_with_the_same_message_id(
    database: Database,
    settings: Settings,
    account: AccountInfo,
    smtp_server: SmtpServer,
) -> None:
    """DESIGN §3: a 4xx answer is retried with backoff, then delivered once."""
    row_id = _queue(database, settings, account, "retry@acme.example")
    smtp_server.recorder.replies = ["451 4.3.0 Try again later", "421 4.7.0 Busy"]
    smtp = with_smtp(settings, smtp_server)
    worker = OutboxWorker(database, smtp)
    stop = threading.Event()
    assert wait_until(
        lambda: (worker.run_once(stop), _row(database, row_id).status)[1] == "sent", timeout=20
    )
    row = _row(database, row_id)
    assert row.attempts == 3
    assert row.last_error is None
    [mail] = smtp_server.recorder.received
    assert mail.message["Message-ID"] == row.message_id
    assert mail.rcpt_tos == ["retry@acme.example"]


def test_permanent_refusal_fails_and_admins_see_and_retry_it(
    api: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
    smtp_server: SmtpServer,
) -> None:
    """DESIGN §3: a 5xx answer parks the email as failed, visible and retryable by admins."""
    row_id = _queue(database, settings, account, "nobody@acme.example")
    smtp_server.recorder.replies = ["550 5.1.1 No such user"]
    smtp = with_smtp(settings, smtp_server)
    deliver(database, smtp)
    assert smtp_server.recorder.count() == 0

    listed = api.get("/api/v1/outgoing-emails", params={"status": "failed"}).json()
    assert [e["id"] for e in listed["items"]] == [row_id]
    failed = listed["items"][0]
    assert failed["to"] == "nobody@acme.example"
    assert failed["attempts"] == 1
    assert "550" in failed["last_error"]

    r = api.post(f"/api/v1/outgoing-emails/{row_id}/retry")
    assert r.status_code == 200 and r.json()["status"] == "pending"
    assert api.post(f"/api/v1/outgoing-emails/{row_id}/retry").status_code == 409
    deliver(database, smtp)
    assert api.get(f"/api/v1/outgoing-emails/{row_id}").json()["status"] == "sent"
    assert smtp_server.recorder.count() == 1


def test_connection_errors_are_retried_then_give_up(
    database: Database,
    settings: Settings,
    account: AccountInfo,
    smtp_server: SmtpServer,
) -> None:
    """DESIGN §3: a server that cannot be reached is retried, then the email is failed."""
    row_id = _queue(database, settings, account, "later@acme.example")
    dead = settings.model_copy(
        update={
            "smtp_url": f"smtp://127.0.0.1:{free_port()}",  # nobody listens there
            "outbox_backoff_base_seconds": 0.01,
            "outbox_backoff_max_seconds": 0.02,
            "outbox_max_attempts": 3,
            "smtp_timeout_seconds": 2.0,
        }
    )
    worker = OutboxWorker(database, dead)
    stop = threading.Event()
    assert wait_until(
        lambda: (worker.run_once(stop), _row(database, row_id).status)[1] == "failed", timeout=20
    )
    row = _row(database, row_id)
    assert row.attempts == 3
    assert row.last_error and "gave up after 3 attempts" in row.last_error


def test_outgoing_email_is_scoped_to_the_account(
    api: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """R-AC1: another account's email is neither listed nor reachable."""
    from tests.conftest import auth, make_account

    other = make_account(database, settings, "Other Co")
    row_id = _queue(database, settings, account, "mine@acme.example")
    theirs = api.get("/api/v1/outgoing-emails", headers=auth(other.token)).json()
    assert row_id not in [e["id"] for e in theirs["items"]]
    r = api.get(f"/api/v1/outgoing-emails/{row_id}", headers=auth(other.token))
    assert r.status_code == 404
    assert api.get("/api/v1/outgoing-emails", params={"status": "bogus"}).status_code == 422


def test_a_lease_hides_claimed_rows_until_it_runs_out(
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """DESIGN §3: rows claimed by a worker that died are claimed again after the lease."""
    for n in range(3):
        _queue(database, settings, account, f"lease{n}@acme.example")
    short = settings.model_copy(update={"outbox_lease_seconds": 0.5})
    dead_worker = OutboxWorker(database, short)
    assert len(dead_worker.claim()) == 3  # ... and then it is killed
    other = OutboxWorker(database, short)
    assert other.claim() == []
    assert wait_until(lambda: len(other.claim()) == 3, timeout=10)


def test_without_smtp_url_emails_become_eml_files(
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """DESIGN §2: no PHONEDESK_SMTP_URL → .eml files in mail_dir, one per message."""
    row_id = _queue(database, settings, account, "file@acme.example")
    deliver(database, settings)
    deliver(database, settings)
    files = list(settings.mail_dir.glob("*.eml"))
    assert len(files) == 1
    content = files[0].read_text()
    assert "To: file@acme.example" in content
    assert _row(database, row_id).message_id.strip("<>") in content


def test_smtp_url_forms() -> None:
    assert parse_smtp_url("smtp://mail.example:2525").port == 2525
    starttls = parse_smtp_url("smtp+starttls://u%40x:p%3Aw@mail.example")
    assert (starttls.port, starttls.username, starttls.password) == (587, "u@x", "p:w")
    assert parse_smtp_url("smtps://mail.example").port == 465
    assert "p:w" not in starttls.safe_url


def test_backoff_is_exponential_and_capped(settings: Settings) -> None:
    s = settings.model_copy(
        update={"outbox_backoff_base_seconds": 30.0, "outbox_backoff_max_seconds": 3600.0}
    )
    assert [backoff_seconds(s, n) for n in (1, 2, 3)] == [30.0, 60.0, 120.0]
    assert backoff_seconds(s, 50) == 3600.0
    assert backoff_seconds(s, 10_000) == 3600.0


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_smtp_user_and_password_from_the_url_are_used(
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """DESIGN §2: smtp://user:password@host logs in (the server refuses mail without it)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from tests.outbox.support import Recorder

    def authenticator(
        server: object, session: object, envelope: object, mechanism: str, auth_data: object
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"mailer",
            b"s3cret:pw",
        )
        return AuthResult(success=ok)

    recorder = Recorder()
    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )  # loopback only, no certificate needed
    controller.start()
    try:
        row_id = _queue(database, settings, account, "first@acme.example")
        right = settings.model_copy(
            update={
                "smtp_url": f"smtp://mailer:s3cret%3Apw@127.0.0.1:{port}",
                "smtp_timeout_seconds": 10.0,
            }
        )
        deliver(database, right)
        assert _row(database, row_id).status == "sent"
        assert [r.rcpt_tos for r in recorder.received] == [["first@acme.example"]]
    finally:
        controller.stop()
