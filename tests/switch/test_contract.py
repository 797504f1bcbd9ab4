"""The switch contract Kamailio reads (R-SW7, DESIGN §2), on SQLite and PostgreSQL.

The column lists below are the contract: a migration that changes a table under a
view must keep these answering, or Kamailio breaks. Change them only together
with a new contract version (``switch_v2_…``) and its kamailio.cfg.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from phonedesk.config import Settings
from phonedesk.db import Database, normalize_url
from phonedesk.models import SipCredential
from phonedesk.models.switch import SOFTPHONE
from tests.api.helpers import API, create_profile
from tests.conftest import AccountInfo, scope_for

PINNED = {
    "switch_v1_subscriber": [
        "id", "username", "realm", "domain", "ha1", "ha1b", "ha1_sha256", "ha1b_sha256",
        "extension", "kind", "caller_id_name", "caller_id_display", "account_id",
    ],
    "switch_v1_extension": [
        "id", "username", "realm", "domain", "caller_id_name", "caller_id_display", "account_id",
    ],
    "switch_v1_domain": ["id", "domain", "did", "last_modified"],
    "switch_v1_domain_attrs": ["id", "did", "name", "type", "value", "last_modified"],
    "switch_v1_version": ["table_name", "table_version"],
}


def _name(database: Database, view: str) -> str:
    return f"phonedesk_switch.{view}" if not database.sqlite else view


def _rows(database: Database, view: str, where: str = "") -> list[dict[str, Any]]:
    with database.engine.connect() as conn:
        result = conn.execute(text(f"SELECT * FROM {_name(database, view)} {where}"))
        return [dict(row._mapping) for row in result]


def _columns(database: Database, view: str) -> list[str]:
    with database.engine.connect() as conn:
        result = conn.execute(text(f"SELECT * FROM {_name(database, view)} WHERE 1 = 0"))
        return list(result.keys())


def test_every_view_answers_exactly_the_pinned_columns(database: Database) -> None:
    """R-SW7: the versioned contract cannot change shape silently."""
    for view, columns in PINNED.items():
        assert _columns(database, view) == columns, view
    # Kamailio checks these table versions at start (auth_db 7, domain 2 / 1).
    versions = {r["table_name"]: int(r["table_version"])
                for r in _rows(database, "switch_v1_version")}
    assert versions == {"switch_v1_subscriber": 7, "switch_v1_extension": 7,
                        "switch_v1_domain": 2, "switch_v1_domain_attrs": 1}


def test_the_views_hold_what_phonedesk_provisions(api: Any, database: Database,
                                                  account: AccountInfo) -> None:
    """Credentials per user@realm with the caller ID of R-SW4, every extension, every domain."""
    assert api.put(f"{API}/settings/sip", json={"domain": "acme.example"}).status_code == 200
    alice = create_profile(api, 'Zoë "Z"', "O'Brien \\ Ng", "zoe@acme.example")
    created = api.post(f"{API}/extensions", json={"number": "201", "profile_id": alice["id"]})
    password = created.json()["sip"]["password"]
    api.post(f"{API}/extensions", json={"number": "202"})
    [row] = _rows(database, "switch_v1_subscriber", "WHERE username = '201'")
    assert row["realm"] == row["domain"] == "acme.example"
    assert row["ha1"] == hashlib.md5(f"201:acme.example:{password}".encode()).hexdigest()
    assert row["ha1b"] == hashlib.md5(
        f"201@acme.example:acme.example:{password}".encode()).hexdigest()
    assert row["ha1_sha256"] == hashlib.sha256(
        f"201:acme.example:{password}".encode()).hexdigest()
    assert row["extension"] == "201" and row["kind"] == "device"
    assert row["caller_id_name"] == 'Zoë "Z" O\'Brien \\ Ng'
    # A SIP quoted-string: backslash and double quote escaped, ready for a From header.
    assert row["caller_id_display"] == '"Zoë \\"Z\\" O\'Brien \\\\ Ng"'
    numbers = {r["username"] for r in _rows(database, "switch_v1_extension")}
    assert numbers == {"201", "202"}
    domains = {r["domain"]: r["did"] for r in _rows(database, "switch_v1_domain")}
    assert domains == {"acme.example": "acme.example"}
    assert _rows(database, "switch_v1_domain_attrs") == []


def test_renaming_the_domain_keeps_the_realm_and_every_password(
        api: Any, database: Database) -> None:
    """R-SW1: digests are over the realm, fixed at creation, so a rename breaks no phone."""
    api.put(f"{API}/settings/sip", json={"domain": "acme.example"})
    api.post(f"{API}/extensions", json={"number": "201"})
    [before] = _rows(database, "switch_v1_subscriber")
    assert api.put(f"{API}/settings/sip", json={"domain": "phones.acme.example"}).json() == {
        "domain": "phones.acme.example", "realm": "acme.example", "proxy": "127.0.0.1:5060"}
    [after] = _rows(database, "switch_v1_subscriber")
    assert (after["domain"], after["realm"], after["ha1"]) == (
        "phones.acme.example", "acme.example", before["ha1"])
    [domain] = _rows(database, "switch_v1_domain")
    assert (domain["domain"], domain["did"]) == ("phones.acme.example", "acme.example")


def test_a_softphone_credential_authenticates_only_while_its_profile_has_access(
        api: Any, database: Database, settings: Settings, account: AccountInfo) -> None:
    """Ready for R-SW3: the contract itself drops a softphone credential when access goes
    (R-D1 disable, R-D2 removal, R-V2 Virtual Office off), so the next SIP request is
    refused whatever else happens; the desk phone's credential stays."""
    alice = create_profile(api, "Alice", "Ng", "alice@acme.example")
    api.post(f"{API}/extensions", json={"number": "201", "profile_id": alice["id"]})

    def add_softphone() -> None:
        with database.transaction() as db:
            scope = scope_for(db, account.id, settings)
            ext_id = db.execute(text("SELECT id FROM extensions WHERE number = '201'")).scalar()
            profile_id = db.execute(text("SELECT id FROM profiles WHERE public_id = :p"),
                                    {"p": alice["id"]}).scalar()
            db.execute(insert(SipCredential).values(
                account_id=scope.account_id, extension_id=ext_id, kind=SOFTPHONE,
                profile_id=profile_id, auth_username="201.app", ha1="x" * 32, ha1b="x" * 32,
                ha1_sha256="x" * 64, ha1b_sha256="x" * 64))

    def kinds() -> set[str]:
        return {r["username"] for r in _rows(database, "switch_v1_subscriber")}

    add_softphone()
    assert kinds() == {"201", "201.app"}
    [soft] = _rows(database, "switch_v1_subscriber", "WHERE username = '201.app'")
    assert soft["extension"] == "201" and soft["kind"] == "softphone"
    # The view alone (plain UPDATEs): the services also delete the credential then.
    def change(sql: str) -> None:
        with database.transaction() as db:
            db.execute(text(sql))

    change("UPDATE extensions SET virtual_office_enabled = FALSE WHERE number = '201'")
    assert kinds() == {"201"}
    change("UPDATE extensions SET virtual_office_enabled = TRUE WHERE number = '201'")
    assert kinds() == {"201", "201.app"}
    change("UPDATE profiles SET status = 'disabled' WHERE first_name = 'Alice'")
    assert kinds() == {"201"}
    change("UPDATE profiles SET status = 'active' WHERE first_name = 'Alice'")
    assert kinds() == {"201", "201.app"}
    change("UPDATE extensions SET profile_id = NULL WHERE number = '201'")
    assert kinds() == {"201"}


def test_the_switch_role_reads_the_contract_and_nothing_else(database: Database,
                                                            database_url: str) -> None:
    """PostgreSQL: Kamailio's role sees the contract schema only, and cannot write."""
    if database.sqlite:
        pytest.skip("roles are a PostgreSQL matter; on SQLite Kamailio opens the file read-only")
    url = make_url(normalize_url(database_url)).set(username="phonedesk_switch", password=None)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            # search_path is the contract schema: Kamailio names the views unqualified.
            assert conn.execute(text("SELECT count(*) FROM switch_v1_version")).scalar() == 4
        for forbidden in ("SELECT count(*) FROM public.profiles",
                          "SELECT count(*) FROM public.sip_credentials",
                          "UPDATE switch_v1_domain SET domain = 'x.example'",
                          "CREATE TABLE phonedesk_switch.x (id int)"):
            with engine.connect() as conn, pytest.raises(ProgrammingError,
                                                         match="permission denied"):
                conn.execute(text(forbidden))
    finally:
        engine.dispose()


def test_a_later_batch_migration_of_a_table_under_the_views_still_runs(tmp_path: Path) -> None:
    """SQLite rebuilds a table to alter it; the views over it must not stop that (env.py)."""
    from alembic import command

    from phonedesk.migrate import MIGRATIONS, alembic_config

    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "9999_probe.py").write_text(
        '"""probe"""\n'
        "from alembic import op\nimport sqlalchemy as sa\n"
        "revision = '9999_probe'\ndown_revision = '0201_switch'\n"
        "branch_labels = None\ndepends_on = None\n\n"
        "def upgrade():\n"
        "    with op.batch_alter_table('extensions', recreate='always') as batch:\n"
        "        batch.add_column(sa.Column('probe', sa.String(5)))\n\n"
        "def downgrade():\n"
        "    with op.batch_alter_table('extensions', recreate='always') as batch:\n"
        "        batch.drop_column('probe')\n"
    )
    url = f"sqlite:///{tmp_path / 'probe.db'}"
    cfg = alembic_config(url)
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join([str(MIGRATIONS / "versions"),
                                                              str(versions)]))
    command.upgrade(cfg, "heads")
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM switch_v1_extension")).scalar() == 0
    engine.dispose()
    command.downgrade(cfg, "9999_probe@-1")
