"""Browser tests: the app served by uvicorn on 127.0.0.1, driven by Debian's Chromium.

One server and one browser for the whole run keep the suite fast; each test gets
its own account (accounts isolate everything, R-AC1) and its own browser context
(no shared cookies). They run on SQLite, and on PostgreSQL as well when
PHONEDESK_TEST_DATABASE_URL is set (in a database of their own).
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from phonedesk.app import create_app
from phonedesk.auth import sessions
from phonedesk.auth.web import COOKIES
from phonedesk.config import Settings
from phonedesk.db import Database, normalize_url
from phonedesk.migrate import upgrade
from phonedesk.models import Profile
from phonedesk.models.web_session import KIND_ADMIN, KIND_PORTAL
from tests.conftest import PG_ENV, AccountInfo, make_account

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery staple 42"

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    settings: Settings
    database: Database
    mailbox: Mailbox


class Mailbox:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.port = _free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] and address in m["To"]]

    def deliver(self, server: Server) -> None:
        """Run the outbox worker until nothing is due: the emails reach this server."""
        from phonedesk.outbox.worker import OutboxWorker

        worker = OutboxWorker(server.database, server.settings)
        for _ in range(20):
            if not worker.run_once().claimed:
                break


class _Uvicorn(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # running in a thread
        pass


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


@contextmanager
def _database_url(backend: str, root: Path) -> Iterator[str]:
    """A migrated database of its own for the browser tests' server."""
    if backend == "sqlite":
        url = f"sqlite:///{root / 'phonedesk.db'}"
        upgrade(url)
        yield url
        return
    base = make_url(normalize_url(os.environ[PG_ENV]))
    name = f"{base.database}_web_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=_backends())
def web_server(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    root = tmp_path_factory.mktemp("web")
    with _database_url(request.param, root) as url:
        yield from _serve(url, root)


def _serve(url: str, root: Path) -> Iterator[Server]:
    mailbox = Mailbox()
    mailbox.controller.start()
    port = _free_port()
    settings = Settings(
        environment="test",
        secret_key="test-secret-key-not-for-production",
        database_url=url,
        base_url=f"http://127.0.0.1:{port}",
        mail_dir=root / "mail",
        message_dir=root / "messages",
        outbox_worker_in_process=False,
        smtp_url=f"smtp://127.0.0.1:{mailbox.port}",
    )
    database = Database.from_url(url)
    app = create_app(settings, database)
    server = _Uvicorn(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                     lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the test web server did not start"
    yield Server(url=f"http://127.0.0.1:{port}", settings=settings, database=database,
                 mailbox=mailbox)
    server.should_exit = True
    thread.join(timeout=10)
    mailbox.controller.stop()
    database.dispose()


@pytest.fixture(scope="session")
def browser(web_server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


_numbers = itertools.count(1)


@pytest.fixture
def acct(web_server: Server) -> AccountInfo:
    """A fresh account whose primary administrator Pat Admin has a password."""
    n = next(_numbers)
    info = make_account(web_server.database, web_server.settings, f"Web Co {n}",
                        admin_username=f"pat{n}", admin_email=f"pat@webco{n}.example")
    set_password(web_server, info.primary_admin_id, PASSWORD)
    return info


def set_password(server: Server, public_id: str, password: str) -> None:
    from phonedesk.auth.passwords import hash_password

    with server.database.transaction() as db:
        profile = db.query(Profile).filter_by(public_id=public_id).one()
        profile.password_hash = hash_password(password)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any) -> Any:
    return context.new_page()


def sign_in_as(server: Server, context: Any, public_id: str, *, kind: str = KIND_ADMIN) -> None:
    """Put a session cookie for the profile into the browser context."""
    with server.database.transaction() as db:
        profile = db.query(Profile).filter_by(public_id=public_id).one()
        _, token = sessions.start(db, profile=profile, kind=kind)
    context.add_cookies([{"name": COOKIES[kind], "value": token, "url": server.url}])


@pytest.fixture
def admin_page(web_server: Server, context: Any, page: Any, acct: AccountInfo) -> Any:
    """A page signed in as the account's primary administrator."""
    sign_in_as(web_server, context, acct.primary_admin_id)
    return page


__all__ = ["KIND_PORTAL", "PASSWORD", "Path", "Server", "set_password", "sign_in_as"]


class ScopeFor:
    """Run service calls for an account in one committed unit of work (test setup)."""

    def __init__(self, server: Server, account_id: int) -> None:
        self.server = server
        self.account_id = account_id

    def __call__(self, action: Any) -> Any:
        from tests.conftest import scope_for

        with self.server.database.transaction() as db:
            return action(scope_for(db, self.account_id, self.server.settings))


@pytest.fixture
def run(web_server: Server, acct: AccountInfo) -> ScopeFor:
    return ScopeFor(web_server, acct.id)
