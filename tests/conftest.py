"""Shared fixtures: every storage test runs on SQLite and, when
``PHONEDESK_TEST_DATABASE_URL`` is set, on PostgreSQL too.

SQLite tests get a fresh copy of a database migrated once per run. PostgreSQL
tests share one migrated database per test process (one per xdist worker) and
start from empty tables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from phonedesk.accounts import service as accounts
from phonedesk.app import create_app
from phonedesk.auth import tokens
from phonedesk.config import Settings
from phonedesk.db import Database, normalize_url
from phonedesk.migrate import upgrade
from phonedesk.models import Base
from phonedesk.scope import Actor, Scope

PG_ENV = "PHONEDESK_TEST_DATABASE_URL"
BACKENDS = ["sqlite", "postgresql"]


def _worker() -> str:
    """A name unique to this test process, so that concurrent runs never share a database."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    url = make_url(normalize_url(base))
    name = f"{url.database}_{_worker()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    worker_url = url.set(database=name).render_as_string(hide_password=False)
    upgrade(worker_url)
    yield worker_url
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "phonedesk.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database.from_url(database_url)
    if not db.sqlite:
        _truncate_all(db)
    yield db
    db.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        environment="test",
        secret_key="test-secret-key-not-for-production",
        database_url=database_url,
        base_url="https://phonedesk.example.test",
        mail_dir=tmp_path / "mail",
        message_dir=tmp_path / "messages",
        outbox_worker_in_process=False,
    )


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, database)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class AccountInfo:
    """A ready account: its name, primary administrator and an API token."""

    id: int
    name: str
    primary_admin_id: str
    admin_email: str
    token: str
    setup_url: str


def make_account(database: Database, settings: Settings, name: str, *, admin_first: str = "Pat",
                 admin_last: str = "Admin", admin_email: str | None = None,
                 admin_username: str | None = None) -> AccountInfo:
    email = admin_email or f"pat.admin@{name.lower().replace(' ', '')}.example"
    with database.transaction() as db:
        created = accounts.create_account(
            db, settings, name=name, admin_first_name=admin_first, admin_last_name=admin_last,
            admin_email=email, admin_username=admin_username,
        )
        scope = Scope(db=db, account=created.account, actor=Actor.cli(), settings=settings)
        _, secret = tokens.create_token(scope, name="tests")
        return AccountInfo(
            id=created.account.id, name=name,
            primary_admin_id=created.primary_admin_public_id, admin_email=email,
            token=secret, setup_url=created.setup_url,
        )


@pytest.fixture
def account(database: Database, settings: Settings) -> AccountInfo:
    return make_account(database, settings, "Acme")


@pytest.fixture
def api(client: TestClient, account: AccountInfo) -> TestClient:
    """A client authenticated with the ``account`` fixture's API token."""
    client.headers["Authorization"] = f"Bearer {account.token}"
    return client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def scope_for(db, account_id: int, settings: Settings) -> Scope:  # type: ignore[no-untyped-def]
    from phonedesk.models import Account

    return Scope(db=db, account=db.get(Account, account_id), actor=Actor.cli(),
                 settings=settings)


@pytest.fixture
def unit(database: Database, settings: Settings, account: AccountInfo):  # type: ignore[no-untyped-def]
    """``with unit() as scope``: one committed transaction of the ``account`` fixture, as the
    command-line actor. Service tests call services the way an interface does."""

    @contextmanager
    def open_unit() -> Iterator[Scope]:
        with database.transaction() as db:
            yield scope_for(db, account.id, settings)

    return open_unit


__all__ = ["AccountInfo", "auth", "httpx", "make_account", "scope_for"]
