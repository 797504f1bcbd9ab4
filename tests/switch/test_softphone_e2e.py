"""The mobile app end to end: real Kamailio, real baresip phones, on SQLite and PostgreSQL
(R-SW3, R-SW7, R-D1, R-D2, R-V2).

Alice signs in to Virtual Office through the real forms and sets up the mobile app on
201; the QR code on the page is decoded, its one-time link fetched, and a baresip
"softphone" is configured from that XML alone. It registers next to her desk phone, the
registration status (API and Edit Extension) shows both, and a call to 201 rings both.
Then each way of losing access — Virtual Office unchecked, Alice removed from 201, Alice
disabled — ends the softphone's registration within seconds and its password gets 403,
while the desk phone stays registered and answers. Stopping Kamailio shows "switch
unreachable" in words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.outbox.worker import OutboxWorker
from tests.api.helpers import API, create_profile
from tests.conftest import AccountInfo
from tests.switch.softphone_support import (
    fetch_provisioning,
    linphone_settings,
    portal_user,
    set_up_mobile_app,
)
from tests.switch.support import Phone, Switch, phones, require_switch, running_switch, tone
from tests.switch.support import wait_until as until
from tests.switch.test_pages import _signed_in

pytestmark = [pytest.mark.switch, pytest.mark.slow]

DOMAIN = "acme.sip.localhost"
GONE_WITHIN = 5.0  # seconds from the admin's change to the registration's end


@dataclass
class Office:
    settings: Settings
    database: Database
    api: TestClient  # the administrator's API token
    web: TestClient  # Alice's browser (https, real session cookies)
    admin: TestClient  # the primary administrator's browser
    switch: Switch
    root: Path
    voice: Path
    started: list[Phone]
    alice: str = ""

    def phone(self, name: str, account: str) -> Phone:
        made = Phone(self.root, name, account, self.voice)
        self.started.append(made)
        return made

    def deliver(self) -> None:
        worker = OutboxWorker(self.database, self.settings)
        for _ in range(20):
            if not worker.run_once().claimed:
                return

    def registrations(self, number: str = "201") -> dict[str, Any]:
        got = self.api.get(f"{API}/extensions/{number}/registrations")
        assert got.status_code == 200, got.text
        return dict(got.json())


@pytest.fixture
def web(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def admin(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_mobile_app_rings_with_the_desk_phone_and_dies_with_access(
    database_url: str, settings: Settings, database: Database, client: TestClient,
    web: TestClient, admin: TestClient, account: AccountInfo, tmp_path: Path,
) -> None:
    require_switch(database_url)
    started = time.monotonic()
    client.headers["Authorization"] = f"Bearer {account.token}"
    with phones() as started_phones, running_switch(settings, tmp_path) as switch:
        office = Office(
            settings=settings.model_copy(update={
                "switch_rpc_url": switch.rpc.url, "switch_proxy": switch.proxy,
                "switch_status_timeout_seconds": 2.0,
            }),
            database=database, api=client, web=web, admin=admin, switch=switch,
            root=tmp_path, voice=tone(tmp_path / "voice.wav", 1.0, 440),
            started=started_phones)
        client.app.state.settings = office.settings  # type: ignore[attr-defined]
        desk201, desk202 = _provision(office, account)
        soft = _mobile_app_registers(office, "uncheck")
        _rings_both(office, desk202, desk201, soft)
        _loses_access(office, soft, "uncheck", lambda: office.api.patch(
            f"{API}/extensions/201", json={"virtual_office_enabled": False}))
        assert office.api.patch(f"{API}/extensions/201",
                                json={"virtual_office_enabled": True}).status_code == 200
        soft = _mobile_app_registers(office, "remove")
        _loses_access(office, soft, "remove", lambda: office.api.delete(
            f"{API}/extensions/201/profile"))
        assert office.api.put(f"{API}/extensions/201/profile",
                              json={"profile_id": office.alice}).status_code == 200
        soft = _mobile_app_registers(office, "disable")
        _loses_access(office, soft, "disable", lambda: office.api.post(
            f"{API}/profiles/{office.alice}/disable"))
        _desk_phone_answers(desk202, desk201)
        _switch_stopped(office)
    print(f"\nsoftphone end-to-end on {database.engine.dialect.name}: "
          f"{time.monotonic() - started:.1f} s")


def _provision(office: Office, account: AccountInfo) -> tuple[Phone, Phone]:
    """Alice holds 201 (desk phone) and 203 (Virtual Office, keeps her signed in); Bob 202."""
    api = office.api
    alice = create_profile(api, "Alice", "Ng", "alice@acme.example")
    bob = create_profile(api, "Bob", "Lee", "bob@acme.example")
    office.alice = str(alice["id"])
    passwords = {}
    for number, profile in (("201", alice), ("202", bob), ("203", alice)):
        made = api.post(f"{API}/extensions", json={"number": number, "profile_id": profile["id"]})
        assert made.status_code == 201, made.text
        passwords[number] = made.json()["sip"]["password"]
    portal_user(office.web, office.database, "alice@acme.example")
    _signed_in(office.admin, office.database, account)
    desk = {n: office.phone(f"desk{n}", _account(n, n, passwords[n], office.switch.proxy))
            for n in ("201", "202")}
    for phone in desk.values():
        assert phone.wait_for(r"^SIP/2.0 200 OK"), phone.describe()
    return desk["201"], desk["202"]


def _account(user: str, auth_user: str, password: str, proxy: str, display: str = "Phone") -> str:
    return (f'"{display}" <sip:{user}@{DOMAIN};transport=udp>;auth_user={auth_user};'
            f'auth_pass={password};outbound="sip:{proxy};transport=udp";regint=600;'
            "answermode=manual")


def _from_linphone_xml(xml: str) -> str:
    """A baresip account built only from what the QR code's link served."""
    config = linphone_settings(xml)
    proxy, auth = config["proxy_0"], config["auth_info_0"]
    identity = proxy["reg_identity"]
    outbound = proxy["reg_proxy"].strip("<>")
    return (f'"Alice mobile" <{identity};transport=udp>;auth_user={auth["userid"]};'
            f'auth_pass={auth["passwd"]};outbound="{outbound}";regint=600;answermode=manual')


def _mobile_app_registers(office: Office, name: str) -> Phone:
    app = set_up_mobile_app(office.web, "201")
    account = _from_linphone_xml(fetch_provisioning(office.web, app.url))
    assert f"auth_pass={app.password};" in account  # the QR gave what the page showed
    soft = office.phone(f"soft-{name}", account)
    assert soft.wait_for(r"^SIP/2.0 200 OK"), soft.describe() + office.switch.log_text()
    def both() -> dict[str, Any] | None:
        now = office.registrations()
        return now if now["softphones_registered"] else None

    status = until(both)
    assert status, office.registrations()
    assert (status["switch"], status["desk_phone_registered"]) == ("ok", True)
    kinds = {r["kind"]: r for r in status["registrations"]}
    assert set(kinds) == {"device", "softphone"}
    assert f":{soft.sip_port}" in kinds["softphone"]["contact"]
    assert kinds["softphone"]["user_agent"].startswith("baresip")
    assert 0 < kinds["softphone"]["expires_in"] <= 600
    page = office.admin.get("/admin/extensions/201").text
    assert "Softphone" in page and kinds["softphone"]["contact"] in page
    return soft


def _rings_both(office: Office, caller: Phone, desk: Phone, soft: Phone) -> None:
    """One call to 201 forks to every contact of 201@domain: both ring."""
    at_desk, at_soft = desk.mark(), soft.mark()
    caller.dial(f"sip:201@{DOMAIN}")
    for phone, at in ((desk, at_desk), (soft, at_soft)):
        assert phone.wait_for("Incoming call from: Bob Lee", since=at), phone.describe()
    caller.hangup()
    for phone, at in ((desk, at_desk), (soft, at_soft)):
        assert phone.wait_for("terminated|closed|cancel", since=at, timeout=5)


def _loses_access(office: Office, soft: Phone, way: str, change: Callable[[], Any]) -> None:
    """R-SW3: the registration ends within seconds, the password is 403, the desk stays."""
    account = (office.root / f"phone-soft-{way}" / "accounts").read_text().strip()
    changed_at = time.monotonic()
    done = change()
    assert done.status_code == 200, done.text
    office.deliver()
    gone = until(lambda: office.registrations()["softphones_registered"] == 0, GONE_WITHIN)
    took = time.monotonic() - changed_at
    assert gone and took < GONE_WITHIN, (way, took, office.registrations())
    print(f"\n{way}: softphone registration gone after {took:.2f} s")
    status = office.registrations()
    assert status["desk_phone_registered"] is True
    assert [r["kind"] for r in status["registrations"]] == ["device"]
    soft.stop()
    again = office.phone(f"again-{way}", account)
    assert again.wait_for(r"^SIP/2.0 403 Forbidden"), again.describe()
    again.stop()


def _desk_phone_answers(caller: Phone, desk: Phone) -> None:
    at = desk.mark()
    caller.dial(f"sip:201@{DOMAIN}")
    assert desk.wait_for("Incoming call from: Bob Lee", since=at), desk.describe()
    desk.command("accept")
    assert desk.wait_for("Call established", since=at), desk.describe()
    caller.hangup()


def _switch_stopped(office: Office) -> None:
    """Kamailio stopped: the API and the pages say so in words and keep working."""
    office.switch.process.terminate()
    office.switch.process.wait(10)
    status = office.registrations()
    assert (status["switch"], status["desk_phone_registered"]) == ("unreachable", None)
    for path in ("/admin/extensions", "/admin/extensions/201"):
        page = office.admin.get(path)
        assert page.status_code == 200 and "The switch is unreachable" in page.text
