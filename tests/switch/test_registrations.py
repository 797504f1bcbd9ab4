"""Registration status (R-SW7): the extension list, Edit Extension and
``GET /api/v1/extensions/{number}/registrations`` show what Kamailio's JSON-RPC says,
and say "switch unreachable" in words, still working, when it does not answer.

A small JSON-RPC server stands in for Kamailio here (its ``ul.lookup`` answers have
Kamailio 5.6's shape); ``test_softphone_e2e`` checks the same against real phones.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from tests.api.helpers import API
from tests.conftest import AccountInfo
from tests.switch.support import free_port
from tests.switch.test_pages import _signed_in

DESK = {"Address": "sip:201@127.0.0.1:40001;transport=udp", "Expires": 597,
        "User-Agent": "Yealink SIP-T46U", "CFlags": 0}
SOFT = {"Address": "sip:201-app@127.0.0.1:40011", "Expires": 3590,
        "User-Agent": "Linphone-Android/5.2", "CFlags": 2}


class FakeKamailio(ThreadingHTTPServer):
    """Answers ``ul.lookup`` from ``contacts``; ``delay`` makes it hang."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port(kind=1)), _Handler)
        self.contacts: dict[str, list[dict[str, Any]]] = {}
        self.delay = 0.0
        self.calls = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/RPC"

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that gave up waiting closed the connection: expected


class _Handler(BaseHTTPRequestHandler):
    server: FakeKamailio

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.calls += 1
        time.sleep(self.server.delay)
        method, params = request["method"], request["params"]
        found = self.server.contacts.get(params[1]) if method == "ul.lookup" else None
        answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
        if found:
            answer["result"] = {"AoR": params[1], "Contacts": [{"Contact": c} for c in found]}
        else:
            answer["error"] = {"code": 404, "message": "AOR not found"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def kamailio(client: TestClient, settings: Settings) -> Iterator[FakeKamailio]:
    server = FakeKamailio()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client.app.state.settings = settings.model_copy(  # type: ignore[attr-defined]
        update={"switch_rpc_url": server.url, "switch_status_timeout_seconds": 0.3})
    yield server
    server.shutdown()
    server.server_close()


def test_api_lists_desk_phone_and_softphone(api: TestClient, kamailio: FakeKamailio) -> None:
    for number in ("201", "202"):
        assert api.post(f"{API}/extensions", json={"number": number}).status_code == 201
    kamailio.contacts["201@acme.sip.localhost"] = [SOFT, DESK]
    got = api.get(f"{API}/extensions/201/registrations")
    assert got.status_code == 200, got.text
    assert got.headers["Cache-Control"] == "no-store"
    body = got.json()
    assert (body["switch"], body["message"]) == ("ok", "")
    assert (body["desk_phone_registered"], body["softphones_registered"]) == (True, 1)
    desk, soft = body["registrations"]
    assert (desk["kind"], desk["user_agent"], desk["contact"], desk["expires_in"]) == (
        "device", "Yealink SIP-T46U", DESK["Address"], 597)
    assert (soft["kind"], soft["user_agent"], soft["expires_in"]) == (
        "softphone", "Linphone-Android/5.2", 3590)
    none = api.get(f"{API}/extensions/202/registrations").json()
    assert (none["switch"], none["registrations"], none["desk_phone_registered"]) == (
        "ok", [], False)
    assert api.get(f"{API}/extensions/299/registrations").status_code == 404


def test_pages_show_registrations(api: TestClient, client: TestClient, database: Any,
                                  account: AccountInfo, kamailio: FakeKamailio) -> None:
    for number in ("201", "202"):
        api.post(f"{API}/extensions", json={"number": number})
    kamailio.contacts["201@acme.sip.localhost"] = [DESK, SOFT]
    api.headers.pop("Authorization")
    _signed_in(client, database, account)
    listing = client.get("/admin/extensions").text
    assert "Phones registered" in listing and "switch is unreachable" not in listing
    row201 = listing.split('aria-label="Edit extension 201"')[0].rsplit("<tr>", 1)[1]
    assert "Desk phone" in row201 and "1 softphone" in row201
    row202 = listing.split('aria-label="Edit extension 202"')[0].rsplit("<tr>", 1)[1]
    assert ">None<" in row202
    edit = client.get("/admin/extensions/201").text
    assert "Yealink SIP-T46U" in edit and "Linphone-Android/5.2" in edit
    assert "sip:201@127.0.0.1:40001;transport=udp" in edit and "in 597 s" in edit
    assert "No phone is registered" in client.get("/admin/extensions/202").text


def test_switch_unreachable_in_words(api: TestClient, client: TestClient, database: Any,
                                     account: AccountInfo, kamailio: FakeKamailio) -> None:
    """A hung switch costs one short timeout per page, not one per row; pages still work."""
    for number in ("201", "202", "203"):
        api.post(f"{API}/extensions", json={"number": number})
    kamailio.delay = 2.0
    body = api.get(f"{API}/extensions/201/registrations").json()
    assert (body["switch"], body["desk_phone_registered"], body["registrations"]) == (
        "unreachable", None, [])
    assert "unreachable" in body["message"]
    api.headers.pop("Authorization")
    _signed_in(client, database, account)
    kamailio.calls = 0
    listing = client.get("/admin/extensions")
    assert listing.status_code == 200
    assert "The switch is unreachable" in listing.text and "Unknown" in listing.text
    assert kamailio.calls == 1
    edit = client.get("/admin/extensions/201")
    assert edit.status_code == 200 and "The switch is unreachable" in edit.text
    kamailio.shutdown()  # nothing listening at all: refused at once
    kamailio.server_close()
    assert "The switch is unreachable" in client.get("/admin/extensions").text
