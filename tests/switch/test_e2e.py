"""The switch end to end: real Kamailio, real baresip phones, provisioned only through
PhoneDesk's REST API (R-SW1–R-SW7, R-D1, R-M1), on SQLite and PostgreSQL.

One story per database, in the order an office lives it: phones register with the
passwords PhoneDesk showed once, calls carry the caller ID PhoneDesk holds, the
second account's 201 is another phone, a call goes unanswered and its voicemail
reaches the extension's current address, Alice leaves, and a password reset made
while the switch's JSON-RPC is down still ends the old phone's registration once
it answers again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from phonedesk.outbox.worker import OutboxWorker
from tests.api.helpers import API, create_profile
from tests.conftest import AccountInfo, auth, make_account
from tests.outbox.support import SmtpServer, smtp_server  # noqa: F401  (fixture)
from tests.switch.support import (
    Gate,
    Phone,
    Switch,
    phones,
    require_switch,
    running_switch,
    tone,
)
from tests.switch.support import wait_until as until

pytestmark = [pytest.mark.switch, pytest.mark.slow]

NO_ANSWER_SECONDS = 2
BOB_VOICEMAIL = "bob.voicemail@home.example"  # 202's own voicemail address (R-E4)


@dataclass
class Office:
    """Everything the story needs: PhoneDesk, the switch, the phones, the passwords."""

    settings: Settings
    database: Database
    api: TestClient
    account: AccountInfo
    smtp: SmtpServer
    root: Path
    voice: Path
    voicemail: Phone
    recordings: Path
    started: list[Phone]
    passwords: dict[str, str] = field(default_factory=dict)
    alice: str = ""
    wav: bytes = b""  # what the voicemail server recorded
    switch: Switch | None = None
    gate: Gate | None = None

    @property
    def sw(self) -> Switch:
        assert self.switch is not None
        return self.switch

    def phone(self, name: str, user: str, domain: str, password: str, display: str) -> Phone:
        made = Phone.desk(self.root, name, user=user, domain=domain, password=password,
                          display=display, proxy=self.sw.proxy, audio=self.voice)
        self.started.append(made)
        return made

    def deliver(self) -> None:
        worker = OutboxWorker(self.database, self.settings)
        for _ in range(20):
            if not worker.run_once().claimed:
                return


def _password(response: Any) -> str:
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return str(response.json()["sip"]["password"])


def _incoming(phone: Phone, since: int) -> str:
    return str(phone.wait_for(r"Incoming call from: ", since=since))


def test_phones_calls_offboarding_and_voicemail(
    database_url: str, settings: Settings, database: Database, client: TestClient,
    account: AccountInfo, smtp_server: SmtpServer, tmp_path: Path,  # noqa: F811
) -> None:
    require_switch(database_url)
    started = time.monotonic()
    recordings = tmp_path / "recordings"
    with phones() as started_phones:
        voicemail = Phone(tmp_path, "voicemail",
                          "<sip:voicemail@127.0.0.1;transport=udp>;regint=0;answermode=auto",
                          tone(tmp_path / "greeting.wav", 1.0, 660), record_to=recordings)
        started_phones.append(voicemail)
        gate = Gate(0)
        office = Office(
            settings=settings.model_copy(update={
                "switch_voicemail_uri": f"sip:voicemail@127.0.0.1:{voicemail.sip_port}",
                "switch_no_answer_seconds": NO_ANSWER_SECONDS,
                "switch_rpc_url": gate.url, "smtp_url": smtp_server.url,
                "outbox_backoff_base_seconds": 0.05, "outbox_backoff_max_seconds": 0.1,
                "outbox_max_attempts": 50,
            }),
            database=database, api=client, account=account, smtp=smtp_server, root=tmp_path,
            voice=tone(tmp_path / "voice.wav", 1.5, 440), voicemail=voicemail,
            recordings=recordings, started=started_phones, gate=gate,
        )
        client.app.state.settings = office.settings  # type: ignore[attr-defined]
        client.headers["Authorization"] = f"Bearer {account.token}"
        _provision(office)
        with running_switch(office.settings, tmp_path) as switch:
            office.switch = switch
            gate.target = switch.rpc_port
            gate.open()
            try:
                desk201, desk202 = _register(office)
                _caller_id(office, desk201, desk202)
                _voicemail(office, desk201)
                _offboarding(office, desk201, desk202)
                _reset_while_the_switch_refuses(office, desk201, desk202)
            finally:
                gate.close()
    print(f"\nswitch end-to-end on {database.engine.dialect.name}: "
          f"{time.monotonic() - started:.1f} s")


def _provision(office: Office) -> None:
    """R-SW1, R-SW2: domains through the API; each new extension answers with its password."""
    api = office.api
    assert api.put(f"{API}/settings/sip", json={"domain": "acme.example"}).status_code == 200
    beta = make_account(office.database, office.settings, "Beta")
    assert api.put(f"{API}/settings/sip", json={"domain": "beta.example"},
                   headers=auth(beta.token)).status_code == 200
    alice = create_profile(api, "Alice", "Ng", "alice@acme.example")
    bob = create_profile(api, "Bob", "Lee", "bob@acme.example")
    office.alice = alice["id"]
    office.passwords = {
        "201": _password(api.post(f"{API}/extensions",
                                  json={"number": "201", "profile_id": alice["id"]})),
        "202": _password(api.post(f"{API}/extensions",
                                  json={"number": "202", "profile_id": bob["id"]})),
        "beta 201": _password(api.post(f"{API}/extensions", json={"number": "201"},
                                       headers=auth(beta.token))),
    }
    assert office.passwords["beta 201"] != office.passwords["201"]
    assert api.patch(f"{API}/extensions/202",
                     json={"voicemail_email": BOB_VOICEMAIL}).status_code == 200


def _register(office: Office) -> tuple[Phone, Phone]:
    """The shown passwords register (200); a wrong one is 403 at once, not a new challenge;
    Beta's 201 registers with its own password and Acme's password fails there (R-SW5)."""
    pw = office.passwords
    desk201 = office.phone("201", "201", "acme.example", pw["201"], "Desk Phone")
    desk202 = office.phone("202", "202", "acme.example", pw["202"], "Desk Phone 2")
    beta201 = office.phone("b201", "201", "beta.example", pw["beta 201"], "Beta Desk")
    wrong = office.phone("wrong", "202", "acme.example", "not-the-password-at-all", "Intruder")
    crossed = office.phone("crossed", "201", "beta.example", pw["201"], "Crossed")
    for registered in (desk201, desk202, beta201):
        assert registered.wait_for(r"^SIP/2.0 200 OK"), registered.describe()
    for refused in (wrong, crossed):
        assert refused.wait_for(r"^SIP/2.0 403 Forbidden"), refused.describe()
        assert not refused.wait_for(r"^SIP/2.0 200 OK", timeout=0.1)
    assert until(lambda: office.sw.rpc.contacts("201@acme.example"))
    assert until(lambda: office.sw.rpc.contacts("201@beta.example"))
    # A call to the other account's domain is refused; Beta's 201 never rings.
    at, beta_at = desk201.mark(), beta201.mark()
    desk201.dial("sip:201@beta.example")
    assert desk201.wait_for(r"^SIP/2.0 403 Calls stay inside their account", since=at)
    assert beta201.wait_for("Incoming call", since=beta_at, timeout=0.3) is None
    return desk201, desk202


def _caller_id(office: Office, desk201: Phone, desk202: Phone) -> None:
    """R-SW4: the phone says "Desk Phone"; 202 sees the caller ID PhoneDesk holds, and an
    edit shows on the very next call with no reload (R-E4, R-SW7)."""
    at = desk202.mark()
    desk201.dial("sip:202@acme.example")
    assert _incoming(desk202, at) == ("sip:202@acme.example: Incoming call from: Alice Ng "
                                      "sip:201@acme.example - (press 'a' to accept)")
    invite = "\n".join(desk202.output(at))
    assert 'From: "Alice Ng" <sip:201@acme.example>' in invite
    assert 'P-Asserted-Identity: "Alice Ng" <sip:201@acme.example>' in invite
    assert "Desk Phone" not in invite
    desk201.hangup()
    assert office.api.patch(f"{API}/extensions/201",
                            json={"caller_id_first_name": "Alicia"}).status_code == 200
    assert desk202.wait_for("terminated|closed", since=at, timeout=5)
    at = desk202.mark()
    desk201.dial("sip:202@acme.example")
    assert "Incoming call from: Alicia Ng sip:201@acme.example" in _incoming(desk202, at)
    desk201.hangup()


def _voicemail(office: Office, desk201: Phone) -> None:
    """R-SW6, R-M1: 202 does not answer; after the no-answer time the voicemail server
    answers, told the extension; its recording, deposited through the API, is emailed
    to 202's current voicemail address with the WAV."""
    vm, vm_at = office.voicemail, office.voicemail.mark()
    desk201.dial("sip:202@acme.example")
    assert vm.wait_for(r"^INVITE sip:voicemail@", since=vm_at, timeout=NO_ANSWER_SECONDS + 5)
    invite = "\n".join(vm.output(vm_at))
    assert "X-PhoneDesk-Extension: 202" in invite
    assert "X-PhoneDesk-Domain: acme.example" in invite
    assert "Diversion: <sip:202@acme.example>;reason=no-answer" in invite
    assert vm.wait_for("Call established", since=vm_at)
    vm.wait_for("terminated", since=vm_at, timeout=8)  # the greeting ends, so does the call
    desk201.hangup()
    recording = until(lambda: sorted(office.recordings.glob("*-dec.wav")), 5)
    assert recording, "the voicemail phone recorded nothing"
    wav = recording[-1].read_bytes()
    office.wav = wav
    deposit = office.api.post(f"{API}/extensions/202/messages",
                              files={"file": ("vm.wav", wav)}, data={"caller_number": "201"})
    assert deposit.status_code == 201, deposit.text
    office.deliver()
    [mail] = office.smtp.recorder.to(BOB_VOICEMAIL)
    [(_, content_type, attached)] = mail.attachments()
    assert content_type == "audio/wav" and attached == wav


def _offboarding(office: Office, desk201: Phone, desk202: Phone) -> None:
    """R-D1: Alice leaves. 201 stays registered, its next call shows the primary
    administrator's caller ID, and its voicemail goes to the primary administrator."""
    api = office.api
    assert api.post(f"{API}/profiles/{office.alice}/disable").status_code == 200
    at = desk202.mark()
    desk201.dial("sip:202@acme.example")
    assert "Incoming call from: Pat Admin sip:201@acme.example" in _incoming(desk202, at)
    desk201.hangup()
    assert office.sw.rpc.contacts("201@acme.example")
    wav = office.wav
    assert api.post(f"{API}/extensions/201/messages", files={"file": ("vm.wav", wav)},
                    data={"caller_number": "202"}).status_code == 201
    office.deliver()
    assert office.smtp.recorder.to(office.account.admin_email)[-1].attachments()[0][2] == wav


def _end_registrations(database: Database) -> OutboxMessage:
    with database.reading() as db:
        row = db.scalar(select(OutboxMessage).where(OutboxMessage.channel == "switch",
                                                    OutboxMessage.kind == "end_registrations"))
        assert row is not None
        db.expunge(row)
        return row


def _reset_while_the_switch_refuses(office: Office, desk201: Phone, desk202: Phone) -> None:
    """R-SW2, R-SW7: JSON-RPC refusing → the reset succeeds at once; a later retry ends
    the registration (the outbox row shows the attempts); the old password is 403."""
    assert office.gate is not None
    office.deliver()  # nothing else is waiting
    office.gate.close()
    reset = office.api.post(f"{API}/extensions/202/sip-password")
    assert reset.status_code == 200, reset.text
    fresh = reset.json()
    assert set(fresh) >= {"username", "domain", "password", "proxy"}
    assert fresh["password"] != office.passwords["202"]
    assert fresh["proxy"] == office.settings.switch_proxy
    OutboxWorker(office.database, office.settings).run_once()
    action = _end_registrations(office.database)
    assert (action.status, action.attempts) == ("pending", 1)
    assert "switch unreachable" in (action.last_error or "")
    assert office.sw.rpc.contacts("202@acme.example"), "ended before the switch answered?"
    old = office.phone("old202", "202", "acme.example", office.passwords["202"], "Old")
    # Refused whatever the switch heard.
    assert old.wait_for(r"^SIP/2.0 403 Forbidden"), old.describe() + office.sw.log_text()
    office.gate.open()
    assert until(lambda: (OutboxWorker(office.database, office.settings).run_once(),
                          _end_registrations(office.database).status)[1] == "sent", 10)
    assert _end_registrations(office.database).attempts >= 2
    assert until(lambda: not office.sw.rpc.contacts("202@acme.example"), 5)
    # Calls no longer reach the old phone: with nothing registered, 202 goes to voicemail.
    at, vm_at = desk202.mark(), office.voicemail.mark()
    desk201.dial("sip:202@acme.example")
    assert office.voicemail.wait_for(r"^X-PhoneDesk-Extension: 202", since=vm_at)
    assert "Diversion: <sip:202@acme.example>;reason=unavailable" in "\n".join(
        office.voicemail.output(vm_at))
    assert desk202.wait_for("Incoming call", since=at, timeout=0.2) is None
    desk201.hangup()
    renewed = office.phone("new202", "202", "acme.example", fresh["password"], "Desk Phone 2")
    assert renewed.wait_for(r"^SIP/2.0 200 OK"), renewed.describe()
