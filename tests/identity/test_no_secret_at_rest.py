"""A full password setup against a live ``phonedesk serve``, then the grep (DESIGN §3 "Secrets").

The emailed link's token must not be in the server's log (the access log sees the
link's one request with its path redacted) nor anywhere in the database (the
outbox copy holds a sealed marker until it is sent and a note after), on each
database.
"""

from __future__ import annotations

import email
import re
import time
from collections.abc import Iterator
from email import policy
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect, select, table, text

from phonedesk.db import normalize_url
from tests.serve import Server, fresh_postgres_database, serve

PASSWORD = "a long and private passphrase"


@pytest.fixture(params=["sqlite", "postgresql"])
def live(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str, Path]]:
    workdir = tmp_path_factory.mktemp("secrets")
    urls = ([f"sqlite:///{workdir / 'phonedesk.db'}"] if request.param == "sqlite"
            else fresh_postgres_database())
    for url in urls:
        for server in serve(workdir, url, outbox_poll_seconds="0.2"):
            yield server, url, workdir / "mail"


def _emailed_link(mail_dir: Path, to: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml")) if mail_dir.exists() else []:
            message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == to:
                body = message.get_body(("plain",))
                assert body is not None
                found = re.search(r"/password/setup/[A-Za-z0-9_-]{22,}", body.get_content())
                assert found, body.get_content()
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no email to {to} in {mail_dir}")


def _every_value(url: str) -> Iterator[tuple[str, str]]:
    """(table, text of a row) for every row of every table."""
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            for name in inspect(engine).get_table_names():
                for row in conn.execute(select(text("*")).select_from(table(name))):
                    yield name, " ".join(str(value) for value in row)
    finally:
        engine.dispose()


def test_a_full_setup_leaves_its_token_in_no_log_and_no_table(
    live: tuple[Server, str, Path]
) -> None:
    server, url, mail_dir = live
    api = httpx.Client(base_url=server.base, timeout=60,
                       headers={"Authorization": f"Bearer {server.token()}"})
    ann = api.post("/api/v1/profiles", json={"first_name": "Ann", "last_name": "Lee",
                                             "email": "ann@secret.example"})
    assert ann.status_code == 201, ann.text
    assert api.post("/api/v1/extensions", json={
        "number": "301", "virtual_office_enabled": True, "profile_id": ann.json()["id"]},
    ).status_code == 201
    link = _emailed_link(mail_dir, "ann@secret.example")
    token = link.rsplit("/", 1)[1]

    browser = httpx.Client(base_url=server.base, timeout=60, follow_redirects=True)
    confirm = browser.get(link)
    assert confirm.status_code == 200 and "Continue" in confirm.text
    assert str(confirm.url) == f"{server.base}/password/setup"  # the token left the URL
    assert token not in confirm.text
    form = browser.get("/password/setup", params={"step": "password"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert csrf and token not in form.text
    done = browser.post("/password/setup", data={"csrf_token": csrf.group(1),
                                                  "password": PASSWORD,
                                                  "password_confirm": PASSWORD})
    assert done.status_code == 200 and "Password created" in done.text
    signed_in = browser.get("/portal/sign-in")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', signed_in.text)
    assert csrf
    assert browser.post("/portal/sign-in", follow_redirects=False, data={
        "csrf_token": csrf.group(1), "username": "ann@secret.example", "password": PASSWORD,
    }).status_code == 303

    time.sleep(0.5)  # the access log line of the last request
    assert "/password/setup/[redacted]" in server.text  # the request was logged, redacted
    assert token not in server.text
    rows = list(_every_value(url))
    assert len(rows) > 10
    assert [name for name, row in rows if token in row] == []
    assert [name for name, row in rows if "[[setup-link:" in row] == []  # sent: no nonce left
