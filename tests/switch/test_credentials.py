"""Device credentials (R-SW2): generated, shown once, stored only as digests, never
logged; reset through the API and the CLI; audited; bad input refused whole."""

from __future__ import annotations

import hashlib
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from phonedesk.db import Database
from phonedesk.models import AuditEvent, OutboxMessage, SipCredential
from phonedesk.switch.credentials import ALPHABET, PASSWORD_LENGTH, digests, generate_password
from tests.api.helpers import API, create_profile, error_of
from tests.cli.conftest import Cli, cli  # noqa: F401  (fixture)
from tests.conftest import AccountInfo, auth, make_account

KEYPAD = re.compile(f"[{ALPHABET}]{{{PASSWORD_LENGTH}}}")


def test_passwords_are_long_random_and_typable_on_a_keypad() -> None:
    """≥ 20 characters from lower-case letters and digits without look-alikes."""
    made = {generate_password() for _ in range(500)}
    assert len(made) == 500
    assert PASSWORD_LENGTH >= 20
    assert all(KEYPAD.fullmatch(p) for p in made)
    assert not set("01ilo") & set(ALPHABET)
    # Every symbol turns up: the choice is not biased to part of the alphabet.
    assert set("".join(made)) == set(ALPHABET)


def test_digests_are_the_rfc_ha1_values() -> None:
    d = digests("201", "acme.example", "secret")
    assert d.ha1 == hashlib.md5(b"201:acme.example:secret").hexdigest()
    assert d.ha1b == hashlib.md5(b"201@acme.example:acme.example:secret").hexdigest()
    assert d.ha1_sha256 == hashlib.sha256(b"201:acme.example:secret").hexdigest()
    assert d.ha1b_sha256 == hashlib.sha256(b"201@acme.example:acme.example:secret").hexdigest()


def _everything_stored(database: Database) -> str:
    """Every value of every table, as text: where a leaked password would show."""
    chunks: list[str] = []
    with database.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.extend(str(v) for v in row)
    return "\n".join(chunks)


def test_created_and_reset_passwords_are_shown_once_and_stored_only_as_digests(
    api: TestClient, database: Database, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    api.put(f"{API}/settings/sip", json={"domain": "acme.example"})
    created = api.post(f"{API}/extensions", json={"number": "201"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-store"
    sip = created.json()["sip"]
    assert sip == {"username": "201", "domain": "acme.example", "password": sip["password"],
                   "proxy": "127.0.0.1:5060", "realm": "acme.example"}
    assert KEYPAD.fullmatch(sip["password"])
    # Reading the extension again never shows it.
    assert "sip" not in api.get(f"{API}/extensions/201").json()
    assert sip["password"] not in api.get(f"{API}/extensions/201").text

    reset = api.post(f"{API}/extensions/201/sip-password")
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    fresh = reset.json()
    assert set(fresh) == {"username", "domain", "password", "proxy", "realm"}
    assert fresh["password"] != sip["password"] and KEYPAD.fullmatch(fresh["password"])
    with database.reading() as db:
        [credential] = db.scalars(select(SipCredential)).all()
        assert credential.ha1 == digests("201", "acme.example", fresh["password"]).ha1
        assert credential.auth_username == "201"
    stored = _everything_stored(database)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for password in (sip["password"], fresh["password"]):
        assert password not in stored
        assert password not in logged
    # Audited in words, with no secret (R-AU1).
    with database.reading() as db:
        actions = [e.action for e in db.scalars(
            select(AuditEvent).where(AuditEvent.target_id == "201").order_by(AuditEvent.id))]
    assert actions == ["extension.created", "extension.sip_password_created",
                       "extension.sip_password_reset"]
    # The old phone's registration is ended after commit, through the outbox (R-SW7).
    with database.reading() as db:
        [action] = db.execute(select(OutboxMessage.status, OutboxMessage.subject,
                                     OutboxMessage.body_text)
                              .where(OutboxMessage.channel == "switch",
                                     OutboxMessage.kind == "end_registrations")).all()
    assert action.status == "pending"
    assert "extension 201" in action.subject and "desk phone" in action.subject
    assert '"aor": "201@acme.example"' in action.body_text


def test_a_reset_for_another_accounts_extension_is_not_found(
    api: TestClient, database: Database, settings: Any, account: AccountInfo,
) -> None:
    beta = make_account(database, settings, "Beta")
    assert api.post(f"{API}/extensions", json={"number": "555"},
                    headers=auth(beta.token)).status_code == 201
    error = error_of(api.post(f"{API}/extensions/555/sip-password"), 404)
    assert error["code"] == "extension_not_found"
    error_of(api.post(f"{API}/extensions/20a/sip-password"), 404)
    with database.reading() as db:
        assert db.scalar(select(OutboxMessage.id).where(OutboxMessage.channel == "switch")) is None


def test_an_extension_number_with_letters_is_refused_whole(api: TestClient,
                                                           database: Database) -> None:
    error = error_of(api.post(f"{API}/extensions", json={"number": "20a"}), 422)
    assert error["field"] == "number"
    with database.reading() as db:
        assert db.scalar(select(SipCredential.id)) is None
    # A profile that cannot be assigned rolls the new extension back with it.
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example")
    api.post(f"{API}/profiles/{bea['id']}/disable")
    error_of(api.post(f"{API}/extensions", json={"number": "301", "profile_id": bea["id"]}), 409)
    error_of(api.get(f"{API}/extensions/301"), 404)
    with database.reading() as db:
        assert db.scalar(select(SipCredential.id)) is None


def test_the_cli_prints_the_new_password_alone(cli: Cli, database: Database) -> None:  # noqa: F811
    cli.ok("init", "--account", "Acme", "--admin-first-name", "Pat", "--admin-last-name",
           "Admin", "--admin-email", "pat@acme.example", "--sip-domain", "acme.example")
    created = cli.ok("extensions", "create", "201").stdout
    shown = re.search(r"password \(shown once\): (\S+)", created)
    assert shown and KEYPAD.fullmatch(shown.group(1))
    result = cli.ok("extensions", "sip-password", "201")
    password = result.stdout.strip()
    assert result.stdout == password + "\n" and KEYPAD.fullmatch(password)
    assert password != shown.group(1)
    with database.reading() as db:
        [credential] = db.scalars(select(SipCredential)).all()
        assert credential.ha1 == digests("201", "acme.example", password).ha1
    as_json = cli.json("extensions", "create", "202")
    assert as_json["sip"]["username"] == "202" and KEYPAD.fullmatch(as_json["sip"]["password"])
    assert "No extension 999" in cli.fails("extensions", "sip-password", "999")
