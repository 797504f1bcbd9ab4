"""Two Kamailio instances on one PostgreSQL (R-SW7): both authenticate from the same
contract, and with registrations kept in a database of Kamailio's own (usrloc DB-only
mode, not PhoneDesk's database) a phone registered through one is reachable through the
other; ending a registration through one instance's JSON-RPC ends it for both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from phonedesk.config import Settings
from phonedesk.db import Database, normalize_url
from phonedesk.outbox.worker import OutboxWorker
from phonedesk.switch import location
from tests.api.helpers import API
from tests.conftest import AccountInfo
from tests.switch.support import Phone, phones, require_switch, running_switch, tone
from tests.switch.support import wait_until as until

pytestmark = [pytest.mark.switch, pytest.mark.slow]

DOMAIN = "acme.sip.localhost"


@pytest.fixture
def location_db(database_url: str) -> Iterator[str]:
    """Kamailio's own location database next to the test's, in Kamailio's URL form."""
    if database_url.startswith("sqlite"):
        pytest.skip("several Kamailio instances share registrations through PostgreSQL")
    url = make_url(normalize_url(database_url))
    name = f"{url.database}_location"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    own = create_engine(url.set(database=name))
    with own.begin() as conn:
        conn.exec_driver_sql(location.schema_sql())
    own.dispose()
    host = f"{url.host or '127.0.0.1'}:{url.port or 5432}"
    yield f"postgres://{url.username or 'postgres'}@{host}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_phone_registered_through_one_instance_rings_through_the_other(
    database_url: str, settings: Settings, database: Database, api: TestClient,
    account: AccountInfo, location_db: str, tmp_path: Path,
) -> None:
    require_switch(database_url)
    shared = settings.model_copy(update={"switch_location_database_url": location_db})
    passwords = {}
    for number in ("201", "202"):
        made = api.post(f"{API}/extensions", json={"number": number})
        assert made.status_code == 201, made.text
        passwords[number] = made.json()["sip"]["password"]
    voice = tone(tmp_path / "voice.wav", 1.0, 440)
    with phones() as started, running_switch(shared, tmp_path / "a") as a, \
            running_switch(shared, tmp_path / "b") as b:
        desk201 = Phone.desk(tmp_path, "201", user="201", domain=DOMAIN,
                             password=passwords["201"], display="Desk", proxy=a.proxy,
                             audio=voice)
        desk202 = Phone.desk(tmp_path, "202", user="202", domain=DOMAIN,
                             password=passwords["202"], display="Desk", proxy=b.proxy,
                             audio=voice)
        started += [desk201, desk202]
        for phone in (desk201, desk202):
            assert phone.wait_for(r"^SIP/2.0 200 OK"), phone.describe()
        # Each instance sees both registrations: they live in the shared database.
        for switch in (a, b):
            assert until(lambda s=switch: s.rpc.contacts(f"201@{DOMAIN}")), switch.log_text()
            assert until(lambda s=switch: s.rpc.contacts(f"202@{DOMAIN}")), switch.log_text()
        # 202 calls through B and reaches 201, registered through A; and the other way.
        for caller, callee, number in ((desk202, desk201, "201"), (desk201, desk202, "202")):
            at = callee.mark()
            caller.dial(f"sip:{number}@{DOMAIN}")
            assert callee.wait_for("Incoming call from: Pat Admin", since=at), (
                callee.describe() + a.log_text() + b.log_text())
            caller.hangup()
            assert callee.wait_for("terminated|closed|cancel", since=at, timeout=5)
        # A reset's action, sent to B, ends 201's registration for A as well.
        via_b = shared.model_copy(update={"switch_rpc_url": b.rpc.url})
        api.app.state.settings = via_b  # type: ignore[attr-defined]
        assert api.post(f"{API}/extensions/201/sip-password").status_code == 200
        OutboxWorker(database, via_b).run_once()
        assert until(lambda: not a.rpc.contacts(f"201@{DOMAIN}"), 5), a.rpc.contacts(
            f"201@{DOMAIN}")
        assert a.rpc.contacts(f"202@{DOMAIN}")
