"""The seeds' story, end to end through the REST API (issue 2, first API acceptance item).

Profiles are created; a common-area "Front Lobby" profile shares the primary
administrator's email (R-P1) with the username ``Front Lobby`` (R-P2); one profile
gets two extensions (R-E2, R-E3); per-extension edits stay on their extension
(R-E4); disabling hands every extension to the primary administrator and clears
those edits without deleting anything (R-D1); re-enabling does not take them back
(R-D3); the directory follows (R-DIR1); every assignment writes its R-V1 email.
"""

from __future__ import annotations

import struct
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from phonedesk.db import Database
from phonedesk.models import AuditEvent, Extension, OutboxMessage
from tests.api.helpers import (
    API,
    assign,
    create_extension,
    create_profile,
    get,
    give_password,
    live_setup_links,
    outbox,
)
from tests.conftest import AccountInfo

SETUP_PREFIX = "https://phonedesk.example.test/password/setup/"
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _wav() -> bytes:
    """A real, silent, 0.1 s 8 kHz mono WAV file."""
    frames = b"\x00\x00" * 800
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(frames)) + frames


def _directory(api: TestClient) -> dict[str, list[str]]:
    page = get(api, "/directory")
    return {f"{e['first_name']} {e['last_name']}": e["extensions"] for e in page["items"]}


def _held_by_pa(ext: dict[str, Any], pa: dict[str, Any]) -> None:
    assert ext["profile_id"] is None
    assert ext["held_by_primary_administrator"] is True
    assert ext["holder"]["id"] == pa["id"]
    assert ext["voicemail_email"] == pa["email"]
    assert ext["fax_email"] == pa["email"]
    assert ext["caller_id_first_name"] == pa["first_name"]
    assert ext["caller_id_last_name"] == pa["last_name"]
    assert set(ext["sources"].values()) == {"profile"}


def test_seed_story_end_to_end(api: TestClient, account: AccountInfo,
                               database: Database) -> None:
    pa = get(api, f"/profiles/{account.primary_admin_id}")
    assert pa["role"] == "primary_administrator"

    # Create profiles; nothing is sent and no password is set (R-P5).
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    bob = create_profile(api, "Bob", "Baker", "bob@acme.example", username="bob")
    assert alice["status"] == "active" and alice["has_password"] is False
    assert alice["username"] == "alice@acme.example"
    assert outbox(database, account.id) == []

    # A common-area profile with the PA's email and a username with a space.
    lobby = create_profile(api, "Front", "Lobby", account.admin_email, username="Front Lobby")
    assert lobby["email"] == pa["email"]
    assert lobby["username"] == "Front Lobby"

    # Extensions start held by the PA (R-E1).
    for number in ("101", "102"):
        _held_by_pa(create_extension(api, number), pa)
    create_extension(api, "103", virtual_office_enabled=False)
    assert _directory(api) == {}

    # One profile on two extensions: caller ID and both addresses filled (R-E2, R-E3).
    for number in ("101", "102"):
        ext = assign(api, number, alice["id"])
        assert ext["profile_id"] == alice["id"]
        assert ext["held_by_primary_administrator"] is False
        assert (ext["caller_id_first_name"], ext["caller_id_last_name"]) == ("Alice", "Archer")
        assert ext["voicemail_email"] == ext["fax_email"] == "alice@acme.example"
        assert set(ext["sources"].values()) == {"profile"}
    assert get(api, f"/profiles/{alice['id']}")["extensions"] == ["101", "102"]
    ext = assign(api, "103", lobby["id"])
    assert ext["voicemail_email"] == account.admin_email
    assert _directory(api) == {"Alice Archer": ["101", "102"], "Front Lobby": ["103"]}

    # Edit one extension's voicemail address: that extension only (R-E4).
    alice_before = get(api, f"/profiles/{alice['id']}")
    edited = api.patch(f"{API}/extensions/101",
                       json={"voicemail_email": "alice.private@home.example"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["voicemail_email"] == "alice.private@home.example"
    assert edited.json()["sources"]["voicemail_email"] == "edited"
    assert edited.json()["sources"]["fax_email"] == "profile"
    assert get(api, f"/profiles/{alice['id']}") == alice_before
    other = get(api, "/extensions/102")
    assert other["voicemail_email"] == "alice@acme.example"
    assert other["sources"]["voicemail_email"] == "profile"

    # Change the profile's email: unedited fields follow, the edited one does not.
    changed = api.patch(f"{API}/profiles/{alice['id']}", json={"email": "alice@new.example"})
    assert changed.status_code == 200, changed.text
    ext101, ext102 = get(api, "/extensions/101"), get(api, "/extensions/102")
    assert ext101["voicemail_email"] == "alice.private@home.example"
    assert ext101["fax_email"] == "alice@new.example"
    assert ext102["voicemail_email"] == ext102["fax_email"] == "alice@new.example"
    # Names flow too, to every extension of the profile.
    api.patch(f"{API}/profiles/{alice['id']}", json={"last_name": "Archer-Smith"})
    assert get(api, "/extensions/101")["caller_id_last_name"] == "Archer-Smith"
    assert get(api, "/extensions/102")["caller_id_last_name"] == "Archer-Smith"

    # Something stored for each extension: a fax on 101 and a voicemail on 102 (R-M1).
    for number, data in (("101", PDF), ("102", _wav())):
        deposited = api.post(f"{API}/extensions/{number}/messages",
                             files={"file": ("m.bin", data, "application/octet-stream")})
        assert deposited.status_code == 201, deposited.text
    messages_before = {n: get(api, f"/extensions/{n}/messages")["items"] for n in ("101", "102")}
    assert all(len(items) == 1 for items in messages_before.values())

    with database.reading() as db:
        stored_before = db.scalar(select(func.count()).select_from(Extension)
                                  .where(Extension.account_id == account.id))
        outbox_before = db.scalar(select(func.count()).select_from(OutboxMessage))
        audit_before = db.scalar(select(func.count()).select_from(AuditEvent))

    # Disable: both extensions held by the PA with the PA's email; the private
    # address edit is gone (R-D1).
    disabled = api.post(f"{API}/profiles/{alice['id']}/disable")
    assert disabled.status_code == 200, disabled.text
    assert disabled.json()["status"] == "disabled"
    assert disabled.json()["extensions"] == []
    for number in ("101", "102"):
        held = get(api, f"/extensions/{number}")
        _held_by_pa(held, pa)
        assert "alice" not in held["voicemail_email"] + held["fax_email"]
    assert get(api, "/extensions/103")["profile_id"] == lobby["id"]
    assert _directory(api) == {"Front Lobby": ["103"]}
    # Nothing stored is deleted: the profile, its extensions, its emails, its history.
    kept = get(api, f"/profiles/{alice['id']}")
    assert (kept["first_name"], kept["last_name"], kept["email"]) == (
        "Alice", "Archer-Smith", "alice@new.example")
    assert kept["username"] == "alice@acme.example"
    with database.reading() as db:
        assert db.scalar(select(func.count()).select_from(Extension)
                         .where(Extension.account_id == account.id)) == stored_before
        assert db.scalar(select(func.count()).select_from(OutboxMessage)) == outbox_before
        assert (db.scalar(select(func.count()).select_from(AuditEvent)) or 0) > (
            audit_before or 0)
    for number, items in messages_before.items():
        assert get(api, f"/extensions/{number}/messages")["items"] == items
    # Her unused password link is void (R-D1), and she cannot be assigned (R-E2).
    assert live_setup_links(database, alice["id"]) == []
    refused = api.put(f"{API}/extensions/101/profile", json={"profile_id": alice["id"]})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "profile_disabled"

    # Re-enable: sign-in back, extensions stay with the PA (R-D3).
    enabled = api.post(f"{API}/profiles/{alice['id']}/enable")
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["status"] == "active"
    assert enabled.json()["extensions"] == []
    for number in ("101", "102"):
        _held_by_pa(get(api, f"/extensions/{number}"), pa)
    assert "Alice Archer-Smith" not in _directory(api)

    # Reassigned, she is back in the directory with the new extension only.
    assign(api, "102", alice["id"])
    assert _directory(api) == {"Alice Archer-Smith": ["102"], "Front Lobby": ["103"]}
    # The directory searches by name, username and number (R-DIR1).
    for q in ("archer", "ALICE@acme", "10", "lobby"):
        found = {e["profile_id"] for e in get(api, f"/directory?q={q}")["items"]}
        assert found, q
    assert {e["profile_id"] for e in get(api, "/directory?q=103")["items"]} == {lobby["id"]}
    assert bob["id"] not in {e["profile_id"] for e in get(api, "/directory?q=bob")["items"]}


def test_assignment_emails_all_three_variants(api: TestClient, account: AccountInfo,
                                              database: Database) -> None:
    """R-V1: setup link / existing password / no password instructions, in the outbox."""
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example", username="alice")
    carol = create_profile(api, "Carol", "Cole", "carol@acme.example", username="carol")
    lobby = create_profile(api, "Front", "Lobby", account.admin_email, username="Front Lobby")
    give_password(database, carol["id"])
    for number in ("201", "202", "203"):
        create_extension(api, number)
    create_extension(api, "204", virtual_office_enabled=False)

    assign(api, "201", alice["id"])        # no password: a setup link
    assign(api, "202", alice["id"])        # still none: a new link voids the first
    assign(api, "203", carol["id"])        # has a password: sign in with it
    assign(api, "204", lobby["id"])        # Virtual Office off: no password words

    rows = outbox(database, account.id)
    assert [(m.kind, m.to_address) for m in rows] == [
        ("assigned_setup", "alice@acme.example"),
        ("assigned_setup", "alice@acme.example"),
        ("assigned_existing_password", "carol@acme.example"),
        ("assigned_no_portal", account.admin_email),
    ]
    first, second, existing, no_portal = rows
    for message, number in zip(rows, ("201", "202", "203", "204"), strict=True):
        assert number in message.subject
        assert number in message.body_text
        assert message.body_html and number in message.body_html
        assert "Acme" in message.body_text
        assert message.status == "pending"

    # Setup links: built from the configured base URL, unique, only the newest live.
    links = []
    for message in (first, second):
        assert "create your password" in message.subject
        line = next(w for w in message.body_text.split() if w.startswith("https://"))
        assert line.startswith(SETUP_PREFIX)
        assert len(line) - len(SETUP_PREFIX) >= 22  # at least 128 random bits (R-V3)
        assert line in (message.body_html or "")
        assert "alice" in message.body_text  # the username to sign in with
        links.append(line)
    assert links[0] != links[1]
    assert len(live_setup_links(database, alice["id"])) == 1

    # An existing password: told to sign in with it; no link, none issued.
    assert "password you already have" in existing.body_text.replace("\n", " ")
    assert SETUP_PREFIX not in existing.body_text
    assert "https://phonedesk.example.test/portal/sign-in" in existing.body_text
    assert live_setup_links(database, carol["id"]) == []

    # Virtual Office disabled: the email says nothing about passwords.
    assert "password" not in no_portal.body_text.lower()
    assert "password" not in (no_portal.body_html or "").lower()
    assert "http" not in no_portal.body_text
    assert live_setup_links(database, lobby["id"]) == []

    # Assigning the same profile again changes nothing and sends nothing.
    assign(api, "203", carol["id"])
    assert len(outbox(database, account.id)) == 4


def test_a_failed_assignment_writes_no_email(api: TestClient, account: AccountInfo,
                                             database: Database) -> None:
    """The outbox row is in the change's transaction: no change, no email (DESIGN §3)."""
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    api.post(f"{API}/profiles/{alice['id']}/disable")
    response = api.post(f"{API}/extensions", json={"number": "301", "profile_id": alice["id"]})
    assert response.status_code == 409
    assert api.get(f"{API}/extensions/301").status_code == 404
    assert outbox(database, account.id) == []


def test_remove_profile_from_one_extension(api: TestClient, account: AccountInfo) -> None:
    """R-D2: removing the profile from one extension is R-D1 for that extension alone."""
    pa = get(api, f"/profiles/{account.primary_admin_id}")
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    for number in ("401", "402"):
        create_extension(api, number)
        assign(api, number, alice["id"])
    api.patch(f"{API}/extensions/401", json={"fax_email": "fax@home.example"})
    response = api.delete(f"{API}/extensions/401/profile")
    assert response.status_code == 200, response.text
    _held_by_pa(response.json(), pa)
    assert get(api, "/extensions/402")["profile_id"] == alice["id"]
    assert get(api, f"/profiles/{alice['id']}")["extensions"] == ["402"]


def test_pa_changes_flow_to_held_extensions(api: TestClient, account: AccountInfo) -> None:
    """R-E4 for the PA as holder: held extensions follow the PA's profile changes."""
    create_extension(api, "501")
    api.patch(f"{API}/extensions/501", json={"caller_id_first_name": "Reception"})
    response = api.patch(f"{API}/profiles/{account.primary_admin_id}",
                         json={"email": "boss@acme.example", "first_name": "Patricia"})
    assert response.status_code == 200, response.text
    ext = get(api, "/extensions/501")
    assert ext["voicemail_email"] == ext["fax_email"] == "boss@acme.example"
    assert ext["caller_id_first_name"] == "Reception"
    # Clearing the edit (null) makes the field follow the holder again.
    cleared = api.patch(f"{API}/extensions/501", json={"caller_id_first_name": None})
    assert cleared.json()["caller_id_first_name"] == "Patricia"
    assert cleared.json()["sources"]["caller_id_first_name"] == "profile"
