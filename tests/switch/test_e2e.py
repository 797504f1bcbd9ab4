"""The switch end to end: real Kamailio, real baresip phones, provisioned only through
PhoneDesk's REST API (R-SW1–R-SW7, R-D1, R-M1), on SQLite and PostgreSQL.

One story per database, in the order an office lives it: phones register with the
passwords PhoneDesk showed once, calls carry the caller ID PhoneDesk holds, the
second account's 201 is another phone, Alice leaves, a call goes unanswered and
its voicemail reaches the extension's current address, and a password reset made
while the switch's JSON-RPC is down still ends the old phone's registration once
it answers again.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.outbox.worker import OutboxWorker
from tests.api.helpers import API, create_profile, outbox
from tests.conftest import AccountInfo, auth, make_account
from tests.outbox.support import SmtpServer, smtp_server  # noqa: F401  (fixture)
from tests.switch.support import Gate, Phone, phones, require_switch, running_switch, tone
from tests.switch.support import wait_until as until

pytestmark = [pytest.mark.switch, pytest.mark.slow]

NO_ANSWER_SECONDS = 2


def _deliver(database: Database, settings: Settings) -> None:
    worker = OutboxWorker(database, settings)
    for _ in range(20):
        if not worker.run_once().claimed:
            return


def _sip(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    return dict(response.json()["sip"])


def _incoming(phone: Phone, since: int) -> str | None:
    return phone.wait_for(r"Incoming call from: ", since=since)


def test_phones_calls_offboarding_and_voicemail(
    database_url: str, settings: Settings, database: Database, client: TestClient,
    account: AccountInfo, smtp_server: SmtpServer, tmp_path: Path,  # noqa: F811
) -> None:
    require_switch(database_url)
    started = time.monotonic()
    voice = tone(tmp_path / "voice.wav", 1.5, 440)
    greeting = tone(tmp_path / "greeting.wav", 1.0, 660)
    recordings = tmp_path / "recordings"
    with phones() as started_phones:
        voicemail = Phone(tmp_path, "voicemail",
                          "<sip:voicemail@127.0.0.1;transport=udp>;regint=0;answermode=auto",
                          greeting, record_to=recordings)
        started_phones.append(voicemail)
        s = settings.model_copy(update={
            "switch_voicemail_uri": f"sip:voicemail@127.0.0.1:{voicemail.sip_port}",
            "switch_no_answer_seconds": NO_ANSWER_SECONDS,
            "smtp_url": smtp_server.url,
            "outbox_backoff_base_seconds": 0.05, "outbox_backoff_max_seconds": 0.1,
            "outbox_max_attempts": 50,
        })
        _story(s, database, client, account, smtp_server, tmp_path, voice, voicemail,
               recordings, started_phones)
    print(f"\nswitch end-to-end on {database.engine.dialect.name}: "
          f"{time.monotonic() - started:.1f} s")


def _story(s: Settings, database: Database, client: TestClient, account: AccountInfo,
           smtp: SmtpServer, tmp: Path, voice: Path, voicemail: Phone, recordings: Path,
           started: list[Phone]) -> None:
    client.app.state.settings = s  # type: ignore[attr-defined]
    api = client
    api.headers["Authorization"] = f"Bearer {account.token}"
    # R-SW1: the account's SIP domain, set by the API; a second account with its own.
    assert api.put(f"{API}/settings/sip", json={"domain": "acme.example"}).status_code == 200
    beta = make_account(database, s, "Beta")
    assert api.put(f"{API}/settings/sip", json={"domain": "beta.example"},
                   headers=auth(beta.token)).status_code == 200
    alice = create_profile(api, "Alice", "Ng", "alice@acme.example")
    bob = create_profile(api, "Bob", "Lee", "bob@acme.example")
    # R-SW2: each new extension answers with its desk phone's password, once.
    p201 = _sip(api.post(f"{API}/extensions", json={"number": "201", "profile_id": alice["id"]}))
    p202 = _sip(api.post(f"{API}/extensions", json={"number": "202", "profile_id": bob["id"]}))
    b201 = _sip(api.post(f"{API}/extensions", json={"number": "201"}, headers=auth(beta.token)))
    assert p201["username"] == "201" and p201["domain"] == "acme.example"
    assert b201["domain"] == "beta.example" and b201["password"] != p201["password"]
    bob_vm = "bob.voicemail@home.example"  # 202's own voicemail address (R-E4)
    assert api.patch(f"{API}/extensions/202", json={"voicemail_email": bob_vm}).status_code == 200

    gate = Gate(0)
    s = s.model_copy(update={"switch_rpc_url": gate.url})
    client.app.state.settings = s  # type: ignore[attr-defined]
    with running_switch(s, tmp) as switch:
        gate.target = switch.rpc_port
        gate.open()
        try:
            _calls(s, database, api, account, smtp, tmp, voice, voicemail, recordings, started,
                   switch, gate, p201, p202, b201, alice, bob_vm)
        finally:
            gate.close()


def _calls(s: Settings, database: Database, api: TestClient, account: AccountInfo,
           smtp: SmtpServer, tmp: Path, voice: Path, voicemail: Phone, recordings: Path,
           started: list[Phone], switch: Any, gate: Gate, p201: dict[str, Any],
           p202: dict[str, Any], b201: dict[str, Any], alice: dict[str, Any],
           bob_vm: str) -> None:
    def phone(name: str, user: str, domain: str, password: str, display: str) -> Phone:
        made = Phone.desk(tmp, name, user=user, domain=domain, password=password,
                          display=display, proxy=switch.proxy, audio=voice)
        started.append(made)
        return made

    # Registration: the shown passwords register (200); a wrong one is 403, not a new
    # challenge; account B's 201 registers with its own password, A's password fails there.
    desk201 = phone("201", "201", "acme.example", p201["password"], "Desk Phone")
    desk202 = phone("202", "202", "acme.example", p202["password"], "Desk Phone 2")
    wrong = phone("wrong", "202", "acme.example", "not-the-password-at-all", "Intruder")
    beta201 = phone("b201", "201", "beta.example", b201["password"], "Beta Desk")
    crossed = phone("crossed", "201", "beta.example", p201["password"], "Crossed")
    for registered in (desk201, desk202, beta201):
        assert registered.wait_for(r"^SIP/2.0 200 OK"), registered.output()
    for refused in (wrong, crossed):
        assert refused.wait_for(r"^SIP/2.0 403 Forbidden"), refused.output()
        assert not refused.wait_for(r"^SIP/2.0 200 OK", timeout=0.1)
    assert until(lambda: switch.rpc.contacts("201@acme.example"))
    assert until(lambda: switch.rpc.contacts("201@beta.example"))

    # R-SW4: the phone says "Desk Phone"; 202 sees the caller ID PhoneDesk holds.
    at = desk202.mark()
    desk201.dial("sip:202@acme.example")
    assert _incoming(desk202, at) == ("sip:202@acme.example: Incoming call from: Alice Ng "
                                      "sip:201@acme.example - (press 'a' to accept)")
    invite = "\n".join(desk202.output(at))
    assert 'From: "Alice Ng" <sip:201@acme.example>' in invite
    assert 'P-Asserted-Identity: "Alice Ng" <sip:201@acme.example>' in invite
    assert "Desk Phone" not in invite
    desk201.hangup()
    # An edit in PhoneDesk shows on the very next call, with no reload (R-E4, R-SW7).
    assert api.patch(f"{API}/extensions/201",
                     json={"caller_id_first_name": "Alicia"}).status_code == 200
    assert until(lambda: desk202.wait_for("terminated|closed", since=at, timeout=0.1), 5)
    at = desk202.mark()
    desk201.dial("sip:202@acme.example")
    assert "Incoming call from: Alicia Ng sip:201@acme.example" in str(_incoming(desk202, at))
    desk201.hangup()

    # R-SW5: a call to the other account's domain is refused; Beta's 201 never rings.
    at, beta_at = desk201.mark(), beta201.mark()
    desk201.dial("sip:201@beta.example")
    assert desk201.wait_for(r"^SIP/2.0 403 Calls stay inside their account", since=at)
    assert beta201.wait_for("Incoming call", since=beta_at, timeout=0.3) is None

    # R-SW6: 202 does not answer; after the no-answer time the voicemail server answers,
    # told which extension it is for; the recording is deposited through the API (R-M1)
    # and its notification goes to 202's current voicemail address with the WAV.
    vm_at = voicemail.mark()
    desk201.dial("sip:202@acme.example")
    assert voicemail.wait_for(r"^INVITE sip:voicemail@", since=vm_at,
                              timeout=NO_ANSWER_SECONDS + 5)
    vm_invite = "\n".join(voicemail.output(vm_at))
    assert "X-PhoneDesk-Extension: 202" in vm_invite
    assert "X-PhoneDesk-Domain: acme.example" in vm_invite
    assert "Diversion: <sip:202@acme.example>;reason=no-answer" in vm_invite
    assert voicemail.wait_for("Call established", since=vm_at)
    ended = voicemail.wait_for("terminated", since=vm_at, timeout=8)
    if not ended:
        desk201.hangup()
    recording = until(lambda: sorted(recordings.glob("*-dec.wav")), 5)
    assert recording, "the voicemail phone recorded nothing"
    wav = recording[-1].read_bytes()
    desk201.hangup()
    deposit = api.post(f"{API}/extensions/202/messages", files={"file": ("vm.wav", wav)},
                       data={"caller_number": "201"})
    assert deposit.status_code == 201, deposit.text
    _deliver(database, s)
    [mail] = smtp.recorder.to(bob_vm)
    assert mail.attachments()[0][1] == "audio/wav"
    assert mail.attachments()[0][2] == wav

    # R-D1: Alice leaves. 201 stays registered, its next call shows the primary
    # administrator's caller ID, and its voicemail goes to the primary administrator.
    assert api.post(f"{API}/profiles/{alice['id']}/disable").status_code == 200
    at = desk202.mark()
    desk201.dial("sip:202@acme.example")
    assert "Incoming call from: Pat Admin sip:201@acme.example" in str(_incoming(desk202, at))
    desk201.hangup()
    assert switch.rpc.contacts("201@acme.example")
    assert api.post(f"{API}/extensions/201/messages", files={"file": ("vm.wav", wav)},
                    data={"caller_number": "202"}).status_code == 201
    _deliver(database, s)
    assert smtp.recorder.to(account.admin_email)[-1].attachments()[0][2] == wav

    _reset_while_switch_refuses(s, database, api, switch, gate, desk202, desk201, voicemail,
                                phone, p202)


def _reset_while_switch_refuses(s: Settings, database: Database, api: TestClient, switch: Any,
                                gate: Gate, desk202: Phone, desk201: Phone, voicemail: Phone,
                                phone: Any, p202: dict[str, Any]) -> None:
    """R-SW2, R-SW7: JSON-RPC down → the reset still succeeds; a retry ends the registration."""
    _deliver(database, s)  # nothing else is waiting
    gate.close()
    reset = api.post(f"{API}/extensions/202/sip-password")
    assert reset.status_code == 200, reset.text
    fresh = reset.json()
    assert set(fresh) >= {"username", "domain", "password", "proxy"}
    assert fresh["password"] != p202["password"] and fresh["proxy"] == s.switch_proxy
    account_id = _account_id(database, "acme.example")
    OutboxWorker(database, s).run_once()
    [action] = [m for m in outbox(database, account_id)
                if m.channel == "switch" and m.kind == "end_registrations"]
    assert action.status == "pending" and action.attempts == 1
    assert "switch unreachable" in action.last_error
    assert switch.rpc.contacts("202@acme.example"), "ended before the switch answered?"
    # The old password is refused from the next request on, whatever the switch heard.
    old = phone("old202", "202", "acme.example", p202["password"], "Old password")
    assert old.wait_for(r"^SIP/2.0 403 Forbidden")
    gate.open()
    assert until(lambda: (OutboxWorker(database, s).run_once(), _status(database, action.id))[1]
                 == "sent", 10)
    assert _attempts(database, action.id) >= 2
    assert until(lambda: not switch.rpc.contacts("202@acme.example"), 5)
    # Calls no longer reach the old phone: with nothing registered, 202 goes to voicemail.
    at, vm_at = desk202.mark(), voicemail.mark()
    desk201.dial("sip:202@acme.example")
    assert voicemail.wait_for(r"^X-PhoneDesk-Extension: 202", since=vm_at)
    assert "Diversion: <sip:202@acme.example>;reason=unavailable" in "\n".join(
        voicemail.output(vm_at))
    assert desk202.wait_for("Incoming call", since=at, timeout=0.2) is None
    desk201.hangup()
    renewed = phone("new202", "202", "acme.example", fresh["password"], "Desk Phone 2")
    assert renewed.wait_for(r"^SIP/2.0 200 OK")


def _account_id(database: Database, domain: str) -> int:
    from sqlalchemy import select

    from phonedesk.models import SipDomain

    with database.reading() as db:
        return int(db.scalar(select(SipDomain.account_id).where(SipDomain.domain == domain)))


def _status(database: Database, row_id: int) -> str:
    from phonedesk.models import OutboxMessage

    with database.reading() as db:
        row = db.get(OutboxMessage, row_id)
        return str(row.status) if row else ""


def _attempts(database: Database, row_id: int) -> int:
    from phonedesk.models import OutboxMessage

    with database.reading() as db:
        row = db.get(OutboxMessage, row_id)
        return int(row.attempts) if row else 0
