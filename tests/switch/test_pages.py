"""Phone System pages of the switch, as an administrator's browser posts them: Add
Extension, Reset SIP password, Delete Extension (R-E1, R-SW2, R-M1) — the same rules
as the REST API, the password on one response only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.db import Database
from phonedesk.models import Extension, Message, SipCredential
from phonedesk.switch.credentials import digests
from tests.api.helpers import API, create_profile
from tests.conftest import AccountInfo
from tests.outbox.support import form_token
from tests.switch.test_domains import _admin_session

PASSWORD = re.compile(r'id="sip-password" type="text" readonly value="([a-z0-9]{20})"')
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x10\x00\x00\x00\x01\x00\x01\x00" + bytes(24)


def _signed_in(client: TestClient, database: Database, account: AccountInfo) -> str:
    token, _ = _admin_session(database, account.primary_admin_id)
    client.cookies.set("phonedesk_admin", token)
    return form_token(client.get("/admin/extensions/new").text)


def test_add_extension_shows_the_sip_password_once(api: TestClient, client: TestClient,
                                                   database: Database,
                                                   account: AccountInfo) -> None:
    alice = create_profile(api, "Alice", "Ng", "alice@acme.example")
    api.headers.pop("Authorization")
    csrf = _signed_in(client, database, account)
    listing = client.get("/admin/extensions")
    assert "This account has no extensions yet" in listing.text
    assert 'href="/admin/extensions/new"' in listing.text
    # Same rules as the API: letters are refused with the message next to the field.
    bad = client.post("/admin/extensions/new", data={"csrf_token": csrf, "number": "20a"})
    assert bad.status_code == 422 and "An extension number is 2 to 10 digits." in bad.text
    made = client.post("/admin/extensions/new",
                       data={"csrf_token": csrf, "number": "201", "profile_id": alice["id"],
                             "virtual_office_enabled": "1"})
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    assert "assigned to Alice Ng" in made.text
    shown = PASSWORD.search(made.text)
    assert shown, made.text
    with database.reading() as db:
        [credential] = db.scalars(select(SipCredential)).all()
        assert credential.ha1 == digests("201", "acme.sip.localhost", shown.group(1)).ha1
    again = client.post("/admin/extensions/new", data={"csrf_token": csrf, "number": "201"})
    assert again.status_code == 422 and "Extension 201 already exists." in again.text
    # The edit page tells how the phone signs in, never the password.
    edit = client.get("/admin/extensions/201")
    assert "201@acme.sip.localhost" in edit.text and "Reset SIP password" in edit.text
    assert shown.group(1) not in edit.text


def test_reset_sip_password_from_edit_extension(api: TestClient, client: TestClient,
                                                database: Database, account: AccountInfo) -> None:
    old = api.post(f"{API}/extensions", json={"number": "201"}).json()["sip"]["password"]
    api.headers.pop("Authorization")
    csrf = _signed_in(client, database, account)
    # The dialog's HTMX post answers with the fragment that fills it.
    fragment = client.post("/admin/extensions/201/sip-password", data={"csrf_token": csrf},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.headers["Cache-Control"] == "no-store"
    assert "<html" not in fragment.text and "New SIP password for extension 201" in fragment.text
    first = PASSWORD.search(fragment.text)
    # Without JavaScript the same post is a page of its own.
    page = client.post("/admin/extensions/201/sip-password", data={"csrf_token": csrf})
    second = PASSWORD.search(page.text)
    assert first and second and len({old, first.group(1), second.group(1)}) == 3
    assert "Back to Edit Extension 201" in page.text


def test_delete_extension_is_refused_while_it_holds_messages(
    api: TestClient, client: TestClient, database: Database, account: AccountInfo,
) -> None:
    api.post(f"{API}/extensions", json={"number": "201"})
    deposit = api.post(f"{API}/extensions/201/messages", files={"file": ("vm.wav", WAV)})
    assert deposit.status_code == 201, deposit.text
    refused = api.delete(f"{API}/extensions/201")
    assert refused.status_code == 409
    assert refused.json()["error"]["message"].startswith("Extension 201 still holds 1 voicemail.")
    token = api.headers.pop("Authorization")
    csrf = _signed_in(client, database, account)
    page = client.post("/admin/extensions/201/delete", data={"csrf_token": csrf},
                       follow_redirects=True)
    assert "Extension 201 was not deleted. Extension 201 still holds 1 voicemail." in page.text
    with database.reading() as db:
        assert db.scalar(select(Extension.id).where(Extension.number == "201")) is not None
        assert db.scalar(select(Message.id)) is not None
    # Once its reader deleted the message, the extension goes; nothing else is lost.
    with database.transaction() as db:
        message = db.scalar(select(Message))
        assert message is not None
        message.deleted_at = message.received_at
    done = client.post("/admin/extensions/201/delete", data={"csrf_token": csrf},
                       follow_redirects=True)
    assert "Extension 201 is deleted" in done.text
    api.headers["Authorization"] = token
    assert api.get(f"{API}/extensions/201").status_code == 404
    events = api.get(f"{API}/audit-events", params={"target_id": "201"}).json()["items"]
    assert [e["action"] for e in events][:2] == ["extension.deleted",
                                                 "message.voicemail_received"]
    outgoing = api.get(f"{API}/outgoing-emails", params={"channel": "switch"}).json()["items"]
    assert [o["kind"] for o in outgoing] == ["end_registrations"]
    assert outgoing[0]["to"] == "switch"
    # The number is free again, with a new password.
    assert api.post(f"{API}/extensions", json={"number": "201"}).status_code == 201
