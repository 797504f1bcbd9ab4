"""The mobile app's credential (R-SW3): set up in Virtual Office by the signed-in user on
their own Virtual-Office extensions, shown once with a QR code of a one-time Linphone
provisioning link, and gone — with an action to end its registrations — when the profile
is disabled (R-D1), removed from the extension (R-D2) or Virtual Office is unchecked (R-V2).
Real Kamailio and phones: ``test_softphone_e2e``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from phonedesk.db import Database
from phonedesk.models import OutboxMessage, SipCredential
from phonedesk.switch import contract
from phonedesk.switch.credentials import digests
from tests.api.helpers import API, create_profile
from tests.conftest import AccountInfo
from tests.switch.softphone_support import (
    fetch_provisioning,
    linphone_settings,
    portal_user,
    set_up_mobile_app,
)

DOMAIN = "acme.sip.localhost"


@pytest.fixture
def web(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def _alice(api: TestClient, web: TestClient, database: Database, *numbers: str) -> str:
    alice = create_profile(api, "Alice", "Ng", "alice@acme.example")
    for number in numbers:
        made = api.post(f"{API}/extensions", json={"number": number, "profile_id": alice["id"]})
        assert made.status_code == 201, made.text
    portal_user(web, database, "alice@acme.example")
    return str(alice["id"])


def _credentials(database: Database) -> list[tuple[str, str, str]]:
    with database.reading() as db:
        return [(c.kind, c.auth_username, c.ha1) for c in
                db.scalars(select(SipCredential).order_by(SipCredential.id))]


def _ended(database: Database) -> list[dict[str, Any]]:
    with database.reading() as db:
        return [json.loads(b) for b in db.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.kind == "end_registrations")
            .order_by(OutboxMessage.id))]


def _subscribers(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        name = contract.qualified(conn, contract.SUBSCRIBER)
        return sorted(conn.execute(text(f"SELECT username FROM {name}")).scalars())


def test_set_up_once_with_a_qr_code_of_a_one_time_link(
    api: TestClient, web: TestClient, database: Database,
) -> None:
    _alice(api, web, database, "201")
    app = set_up_mobile_app(web, "201")
    assert "201-app" in app.page and "201@acme.sip.localhost" in app.page
    assert app.url.startswith("https://phonedesk.example.test/provisioning/linphone/")
    config = linphone_settings(fetch_provisioning(web, app.url))
    assert config["proxy_0"]["reg_identity"] == "sip:201@acme.sip.localhost"
    assert config["proxy_0"]["reg_proxy"] == "<sip:127.0.0.1:5060;transport=udp>"
    auth = config["auth_info_0"]
    assert (auth["username"], auth["userid"], auth["passwd"], auth["domain"]) == (
        "201", "201-app", app.password, DOMAIN)
    # Stored as digests only, distinct from the desk phone's; the link works once.
    desk, soft = _credentials(database)
    assert desk[0] == "device" and soft == ("softphone", "201-app",
                                            digests("201-app", DOMAIN, app.password).ha1)
    again = web.get(app.url.split("test", 1)[1])
    assert again.status_code == 404 and app.password not in again.text
    assert "already used" in again.text
    assert _subscribers(database) == ["201", "201-app"]
    # Setting it up again replaces it: the old password and its registrations end.
    second = set_up_mobile_app(web, "201")
    assert second.password != app.password and "previous password no longer works" in second.page
    assert [c[1] for c in _credentials(database)] == ["201", "201-app"]
    assert _ended(database)[-1]["kinds"] == ["softphone"]
    assert web.get(app.url.split("test", 1)[1]).status_code == 404


def test_only_on_own_virtual_office_extensions(
    api: TestClient, web: TestClient, database: Database, account: AccountInfo,
) -> None:
    _alice(api, web, database, "201", "202")
    api.patch(f"{API}/extensions/202", json={"virtual_office_enabled": False})
    api.post(f"{API}/extensions", json={"number": "203"})  # the primary administrator's
    listing = web.get("/portal/extensions").text
    assert "Set up the mobile app for extension 201" in listing
    assert "mobile app for extension 202" not in listing
    assert "mobile app for extension 203" not in listing
    token = listing.split('name="csrf_token" value="')[1].split('"')[0]
    for number, said in (("202", "needs Virtual Office"), ("203", "not one of yours")):
        refused = web.post(f"/portal/extensions/{number}/mobile-app",
                           data={"csrf_token": token}, follow_redirects=True)
        assert said in refused.text, refused.text
    assert [c[0] for c in _credentials(database)] == ["device"] * 3
    assert web.post("/portal/extensions/201/mobile-app", data={}).status_code == 403


@pytest.mark.parametrize("way", ["disable", "remove", "uncheck"])
def test_losing_access_ends_the_softphone_not_the_desk_phone(
    way: str, api: TestClient, web: TestClient, database: Database,
) -> None:
    alice = _alice(api, web, database, "201", "202")
    set_up_mobile_app(web, "201")
    set_up_mobile_app(web, "202")
    assert _subscribers(database) == ["201", "201-app", "202", "202-app"]
    if way == "disable":
        assert api.post(f"{API}/profiles/{alice}/disable").status_code == 200
        gone = ["201", "202"]
    elif way == "remove":
        assert api.delete(f"{API}/extensions/201/profile").status_code == 200
        gone = ["201"]
    else:
        assert api.patch(f"{API}/extensions/201",
                         json={"virtual_office_enabled": False}).status_code == 200
        gone = ["201"]
    kept = [f"{n}-app" for n in ("201", "202") if n not in gone]
    assert [c[1] for c in _credentials(database)] == ["201", "202", *kept]
    assert _subscribers(database) == sorted(["201", "202", *kept])
    ended = [a for a in _ended(database) if a["kinds"] == ["softphone"]]
    assert sorted(a["aor"] for a in ended) == [f"{n}@{DOMAIN}" for n in gone]
    assert not [a for a in _ended(database) if "device" in a["kinds"]]
