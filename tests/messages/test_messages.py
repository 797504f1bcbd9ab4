"""Voicemail and fax (R-M1, R-D1): deposit, notify over real SMTP, portal access, keep."""

from __future__ import annotations

import struct

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import Message
from tests.conftest import AccountInfo, auth, make_account
from tests.identity.helpers import PA_PASSWORD, pa_with_password, person_with_password
from tests.outbox.support import SmtpServer, deliver, sign_in, with_smtp


def wav(seconds: float = 0.1) -> bytes:
    """A real (silent) 8 kHz mono 16-bit WAV file."""
    frames = b"\x00\x00" * int(8000 * seconds)
    header = b"RIFF" + struct.pack("<I", 36 + len(frames)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    return header + fmt + b"data" + struct.pack("<I", len(frames)) + frames


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def deposit(
    api: TestClient,
    number: str,
    data: bytes,
    *,
    name: str = "upload.bin",
    caller: str = "+15551234567",
    token: str | None = None,
) -> httpx.Response:
    headers = auth(token) if token else None
    return api.post(
        f"/api/v1/extensions/{number}/messages",
        files={"file": (name, data, "application/octet-stream")},
        data={"caller_number": caller, "received_at": "2026-11-20T09:30:00Z"},
        headers=headers,
    )


def test_voicemail_and_fax_are_stored_and_emailed_with_the_file(
    api: TestClient,
    web: TestClient,
    database: Database,
    settings: Settings,
    smtp_server: SmtpServer,
) -> None:
    person_with_password(
        api, web, database, "Ann", "ann@acme.example", "ann's passphrase!", number="201"
    )
    r = api.patch("/api/v1/extensions/201", json={"fax_email": "fax-desk@acme.example"})
    assert r.status_code == 200, r.text
    smtp_server.recorder.received.clear()
    audio = wav()
    r = deposit(api, "201", audio, name="../../etc/passwd.wav")
    assert r.status_code == 201, r.text
    vm = r.json()
    assert vm["kind"] == "voicemail" and vm["content_type"] == "audio/wav"
    assert vm["size_bytes"] == len(audio) and vm["caller_number"] == "+15551234567"
    r = deposit(api, "201", PDF, name="fax.pdf")
    assert r.status_code == 201 and r.json()["kind"] == "fax"

    with database.reading() as db:
        names = list(db.scalars(select(Message.storage_name)))
    assert all("passwd" not in n and ".." not in n for n in names)  # server-chosen names
    stored = [settings.message_dir / n for n in names]
    assert all(p.is_file() for p in stored)

    deliver(database, with_smtp(settings, smtp_server))
    by_to = {r.rcpt_tos[0]: r for r in smtp_server.recorder.received}
    assert set(by_to) == {"ann@acme.example", "fax-desk@acme.example"}
    voicemail = by_to["ann@acme.example"]
    assert "voicemail" in voicemail.message["Subject"].lower()
    assert "+15551234567" in voicemail.text and "201" in voicemail.text
    [(filename, ctype, data)] = voicemail.attachments()
    assert ctype == "audio/wav" and data == audio and filename.endswith(".wav")
    fax = by_to["fax-desk@acme.example"]
    [(filename, ctype, data)] = fax.attachments()
    assert ctype == "application/pdf" and data == PDF and filename.endswith(".pdf")
    assert "fax" in fax.message["Subject"].lower()


def test_after_disable_the_next_voicemail_goes_to_the_primary_admin(
    api: TestClient,
    web: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
    smtp_server: SmtpServer,
) -> None:
    """R-D1: the extension's notification address becomes the PA's; old messages stay."""
    ann = person_with_password(
        api, web, database, "Ann", "ann@acme.example", "ann's passphrase!", number="201"
    )
    api.patch("/api/v1/extensions/201", json={"voicemail_email": "ann.private@home.example"})
    assert deposit(api, "201", wav()).status_code == 201
    assert api.post(f"/api/v1/profiles/{ann}/disable").status_code == 200
    assert deposit(api, "201", wav(0.2), caller="+15559990000").status_code == 201

    smtp_server.recorder.received.clear()
    deliver(database, with_smtp(settings, smtp_server))
    voicemails = [
        r for r in smtp_server.recorder.received if "voicemail" in str(r.message["Subject"]).lower()
    ]
    assert [r.rcpt_tos for r in voicemails] == [["ann.private@home.example"], [account.admin_email]]
    assert "+15559990000" in voicemails[1].text

    # Both messages are kept (R-D1) and the PA, who now holds 201, sees them in the portal.
    pa_with_password(web, account)
    assert sign_in(web, account.admin_email, PA_PASSWORD).status_code == 303
    mine = web.get("/api/v1/portal/messages").json()["items"]
    assert [m["extension"] for m in mine] == ["201", "201"]
    assert (
        api.get("/api/v1/extensions/201/messages").json()["items"][0]["caller_number"]
        == "+15559990000"
    )


def test_portal_users_list_play_and_delete_only_their_own(
    api: TestClient,
    web: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    """R-M1: my extensions only; the PA also the extensions it holds."""
    person_with_password(
        api, web, database, "Ann", "ann@acme.example", "ann's passphrase!", number="201"
    )
    person_with_password(
        api, web, database, "Bob", "bob@acme.example", "bob's passphrase!", number="202"
    )
    assert api.post("/api/v1/extensions", json={"number": "299"}).status_code == 201  # held
    audio = wav()
    ann_vm = deposit(api, "201", audio).json()["id"]
    bob_fax = deposit(api, "202", PDF).json()["id"]
    held_vm = deposit(api, "299", wav(0.3)).json()["id"]

    assert web.get("/api/v1/portal/messages").status_code == 401
    assert sign_in(web, "ann@acme.example", "ann's passphrase!").status_code == 303
    listed = web.get("/api/v1/portal/messages").json()["items"]
    assert [m["id"] for m in listed] == [ann_vm]
    played = web.get(listed[0]["download_url"])
    assert played.status_code == 200 and played.content == audio
    assert played.headers["content-type"] == "audio/wav"
    assert "attachment" in played.headers["content-disposition"]
    for other in (bob_fax, held_vm):
        assert web.get(f"/api/v1/portal/messages/{other}/file").status_code == 404
        assert web.delete(f"/api/v1/portal/messages/{other}").status_code in (403, 404)

    assert web.delete(f"/api/v1/portal/messages/{ann_vm}").status_code == 403  # no CSRF
    csrf = _portal_csrf(database, web)
    headers = {"X-CSRF-Token": csrf}
    assert web.delete(f"/api/v1/portal/messages/{bob_fax}", headers=headers).status_code == 404
    assert web.delete(f"/api/v1/portal/messages/{ann_vm}", headers=headers).status_code == 204
    assert web.get("/api/v1/portal/messages").json()["items"] == []
    with database.reading() as db:
        row = db.scalar(select(Message).where(Message.public_id == ann_vm))
        assert row is not None and row.deleted_at is not None
        assert not (settings.message_dir / row.storage_name).exists()

    pa_with_password(web, account)
    assert sign_in(web, account.admin_email, PA_PASSWORD).status_code == 303
    pa_sees = {m["id"] for m in web.get("/api/v1/portal/messages").json()["items"]}
    assert pa_sees == {held_vm}
    fax_only = web.get("/api/v1/portal/messages", params={"kind": "fax"}).json()["items"]
    assert fax_only == []


def _portal_csrf(database: Database, web: TestClient) -> str:
    from phonedesk.auth import sessions

    with database.reading() as db:
        active = sessions.lookup(db, web.cookies["phonedesk_portal"], kind="portal")
        assert active is not None
        return active.session.csrf_token


def test_bad_deposits_are_refused_clearly(
    api: TestClient,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    assert api.post("/api/v1/extensions", json={"number": "201"}).status_code == 201
    r = deposit(api, "201", b"just some text, not audio")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "unsupported_file_type"
    assert deposit(api, "201", b"").status_code == 422
    assert deposit(api, "999", wav()).status_code == 404
    assert deposit(api, "201", wav(), caller="x" * 41).status_code == 422
    # R-P1 as amended: a line separator would break the notification's subject header.
    poisoned = deposit(api, "201", wav(), caller="+1555\u20281234")
    assert poisoned.status_code == 422
    assert poisoned.json()["error"]["field"] == "caller_number"
    no_token = api.post(
        "/api/v1/extensions/201/messages",
        files={"file": ("a.wav", wav(), "audio/wav")},
        headers={"Authorization": "Bearer nope"},
    )
    assert no_token.status_code == 401
    other = make_account(database, settings, "Other Co")
    assert deposit(api, "201", wav(), token=other.token).status_code == 404
    with database.reading() as db:
        assert db.scalar(select(Message.id)) is None  # nothing half-stored


def test_size_limit(app: FastAPI, api: TestClient, settings: Settings) -> None:
    app.state.settings = settings.model_copy(update={"message_max_bytes": 1000})
    assert api.post("/api/v1/extensions", json={"number": "201"}).status_code == 201
    r = deposit(api, "201", wav(1.0))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "file_too_large"
    assert deposit(api, "201", wav(0.01)).status_code == 201
