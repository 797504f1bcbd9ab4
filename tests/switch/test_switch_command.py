"""``phonedesk switch config|run`` and what the rendered kamailio.cfg does with a real
Kamailio: SHA-256 digests (R-SW2), JSON-RPC on loopback only (R-SW7), one-line errors
naming the Debian packages when Kamailio or its database module is missing."""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import subprocess
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import Extension, OutboxMessage, Profile, SipCredential
from phonedesk.models.switch import SOFTPHONE
from phonedesk.outbox.worker import OutboxWorker
from phonedesk.switch import runner
from phonedesk.switch.credentials import digests
from phonedesk.switch.rpc import kind_of
from tests.api.helpers import API, create_profile
from tests.cli.conftest import Cli, cli  # noqa: F401  (fixture)
from tests.conftest import AccountInfo, scope_for
from tests.switch.support import require_switch, running_switch

PACKAGES = "apt-get install kamailio kamailio-sqlite-modules kamailio-postgres-modules"


def test_config_is_a_complete_kamailio_cfg_for_the_database(cli: Cli, database: Database,  # noqa: F811
                                                            database_url: str) -> None:
    cli.env.update({"PHONEDESK_SWITCH_VOICEMAIL_URI": "sip:vm@192.0.2.10:5060"})
    cfg = cli.ok("switch", "config", "--sip-port", "5070", "--rpc-port", "5071").stdout
    assert cfg.startswith("#!KAMAILIO\n")
    if database.sqlite:
        path = str(Path(database.engine.url.database or "").resolve())
        assert f'"sqlite:///{path}"' in cfg  # four slashes: an absolute path
        assert f'modparam("db_sqlite", "db_set_readonly", "{path}")' in cfg
        assert 'loadmodule "db_sqlite.so"' in cfg
    else:
        url = database.engine.url
        assert (f'"postgres://phonedesk_switch@{url.host}:{url.port}/{url.database}"'
                in cfg)
        assert 'loadmodule "db_postgres.so"' in cfg
    assert "listen=udp:127.0.0.1:5070" in cfg and "listen=tcp:127.0.0.1:5071" in cfg
    assert 'modparam("tm", "fr_inv_timer", 20000)' in cfg  # 20 s unless told otherwise
    assert '$ru = "sip:vm@192.0.2.10:5060";' in cfg
    assert 'append_hf("X-PhoneDesk-Extension: $avp(sw_callee)\\r\\n");' in cfg
    assert 'modparam("usrloc", "db_mode", 0)' in cfg  # registrations in memory
    assert 'version_table="switch_v1_version"' in cfg
    kamailio = runner.find_kamailio("kamailio") if _has_kamailio() else None
    if kamailio:
        checked = subprocess.run([kamailio, "-c", "-f", "/dev/stdin"], input=cfg, text=True,
                                 capture_output=True, timeout=60, check=False)
        assert checked.returncode == 0, checked.stderr[-2000:]
    cli.env.update({"PHONEDESK_SWITCH_VOICEMAIL_URI": "not a uri"})
    assert "PHONEDESK_SWITCH_VOICEMAIL_URI must be a SIP URI" in cli.fails("switch", "config")


def _has_kamailio() -> bool:
    try:
        runner.find_kamailio("kamailio")
    except runner.SwitchUnavailable:
        return False
    return True


def test_run_without_kamailio_is_one_line_naming_the_packages(cli: Cli, tmp_path: Path  # noqa: F811
                                                             ) -> None:
    cli.env["PHONEDESK_SWITCH_KAMAILIO"] = str(tmp_path / "no-such" / "kamailio")
    line = cli.fails("switch", "run", "--run-dir", str(tmp_path / "run"))
    assert line.startswith("Error: Kamailio is not installed") and PACKAGES in line


@pytest.mark.switch
def test_run_without_the_database_module_names_its_package(cli: Cli, database_url: str,  # noqa: F811
                                                          tmp_path: Path) -> None:
    require_switch(database_url)
    empty = tmp_path / "modules"
    empty.mkdir()
    cli.env["PHONEDESK_SWITCH_MODULE_DIR"] = str(empty)
    line = cli.fails("switch", "run", "--run-dir", str(tmp_path / "run"))
    package = ("kamailio-sqlite-modules" if database_url.startswith("sqlite")
               else "kamailio-postgres-modules")
    assert "module is not installed" in line and f"apt-get install {package}" in line


# --- a real Kamailio ------------------------------------------------------------------


def _sip(sock: socket.socket, port: int, message: str) -> str:
    sock.sendto(message.encode(), ("127.0.0.1", port))
    while True:
        data = sock.recv(65535).decode()
        if not data.startswith("SIP/2.0 100"):
            return data


def _register(port: int, user: str, domain: str, password: str, algorithm: str = "MD5",
              *, auth_user: str | None = None) -> str:
    """A REGISTER with digest authentication, computed here: the final status line."""
    login = auth_user or user
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        me = sock.getsockname()[1]
        call_id = secrets.token_hex(8)

        def request(cseq: int, extra: str = "") -> str:
            branch = f"z9hG4bK{secrets.token_hex(6)}"
            return (f"REGISTER sip:{domain} SIP/2.0\r\n"
                    f"Via: SIP/2.0/UDP 127.0.0.1:{me};branch={branch};rport\r\n"
                    f"Max-Forwards: 70\r\nFrom: <sip:{user}@{domain}>;tag={call_id}\r\n"
                    f"To: <sip:{user}@{domain}>\r\nCall-ID: {call_id}\r\n"
                    f"CSeq: {cseq} REGISTER\r\nContact: <sip:{user}@127.0.0.1:{me}>\r\n"
                    f"Expires: 60\r\n{extra}Content-Length: 0\r\n\r\n")

        challenge = _sip(sock, port, request(1))
        if not challenge.startswith("SIP/2.0 401"):
            return challenge.splitlines()[0]  # refused before any challenge
        fields = dict(re.findall(r'(\w+)="?([^",\r\n]+)"?', challenge.split("Digest", 1)[1]))
        assert fields.get("algorithm", "MD5") == algorithm
        h = hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5

        def hx(text: str) -> str:
            return h(text.encode()).hexdigest()

        realm, nonce, uri, cnonce = fields["realm"], fields["nonce"], f"sip:{domain}", "0a4f113b"
        ha1 = hx(f"{login}:{realm}:{password}")
        response = hx(f"{ha1}:{nonce}:00000001:{cnonce}:auth:{hx(f'REGISTER:{uri}')}")
        answer = _sip(sock, port, request(2, (
            f'Authorization: Digest username="{login}", realm="{realm}", nonce="{nonce}", '
            f'uri="{uri}", response="{response}", algorithm={algorithm}, qop=auth, '
            f'nc=00000001, cnonce="{cnonce}"\r\n')))
        return answer.splitlines()[0]


@pytest.mark.switch
def test_sha256_digests_and_json_rpc_on_its_port_only(
    database_url: str, settings: Settings, api: TestClient, tmp_path: Path,
) -> None:
    """Kamailio 5.6 checks SHA-256 against the stored HA1 (PHONEDESK_SWITCH_DIGEST_ALGORITHM)."""
    require_switch(database_url)
    api.put(f"{API}/settings/sip", json={"domain": "acme.example"})
    password = api.post(f"{API}/extensions", json={"number": "201"}).json()["sip"]["password"]
    s = settings.model_copy(update={"switch_digest_algorithm": "SHA-256"})
    with running_switch(s, tmp_path) as switch:
        assert _register(switch.sip_port, "201", "acme.example", password,
                         "SHA-256") == "SIP/2.0 200 OK"
        assert _register(switch.sip_port, "201", "acme.example", "wrong" + password,
                         "SHA-256") == "SIP/2.0 403 Forbidden"
        assert switch.rpc.contacts("201@acme.example")
        # JSON-RPC is not served on the SIP port, nor to anything but loopback's RPC port.
        request = urllib.request.Request(f"http://127.0.0.1:{switch.sip_port}/RPC",
                                         data=b'{"jsonrpc":"2.0","method":"core.uptime","id":1}')
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 403


@pytest.mark.switch
def test_a_reset_ends_only_the_desk_phones_registration(
    database_url: str, settings: Settings, api: TestClient, database: Database,
    account: AccountInfo, tmp_path: Path,
) -> None:
    """R-SW7 through the outbox, and ready for R-SW3: the switch tags each registration
    with the kind of credential that made it, so ending the desk phone's leaves a
    softphone's (and the other way round); nothing registered counts as done."""
    require_switch(database_url)
    api.put(f"{API}/settings/sip", json={"domain": "acme.example"})
    alice = create_profile(api, "Alice", "Ng", "alice@acme.example")
    password = api.post(f"{API}/extensions", json={"number": "201", "profile_id": alice["id"]}
                        ).json()["sip"]["password"]
    app_password = "softphone-password-123"
    with database.transaction() as db:
        scope = scope_for(db, account.id, settings)
        ext = db.scalar(select(Extension).where(Extension.number == "201"))
        profile = db.scalar(select(Profile).where(Profile.public_id == alice["id"]))
        assert ext is not None and profile is not None
        d = digests("201.app", "acme.example", app_password)
        db.add(SipCredential(account_id=scope.account_id, extension_id=ext.id, kind=SOFTPHONE,
                             profile_id=profile.id, auth_username="201.app", ha1=d.ha1,
                             ha1b=d.ha1b, ha1_sha256=d.ha1_sha256, ha1b_sha256=d.ha1b_sha256))
    with running_switch(settings, tmp_path) as switch:
        s = settings.model_copy(update={"switch_rpc_url": switch.rpc.url})
        assert _register(switch.sip_port, "201", "acme.example", password) == "SIP/2.0 200 OK"
        assert _register(switch.sip_port, "201", "acme.example", app_password,
                         auth_user="201.app") == "SIP/2.0 200 OK"
        # A softphone credential registers only as its own extension.
        assert _register(switch.sip_port, "202", "acme.example", app_password,
                         auth_user="201.app") == "SIP/2.0 403 Not your extension"
        contacts = switch.rpc.contacts("201@acme.example")
        assert sorted(kind_of(c) for c in contacts) == ["device", "softphone"]
        assert api.post(f"{API}/extensions/201/sip-password").status_code == 200
        OutboxWorker(database, s).run(threading.Event(), until_idle=True)
        assert [kind_of(c) for c in switch.rpc.contacts("201@acme.example")] == ["softphone"]
        # Deleting the extension ends the rest; a second ending finds nothing and is done.
        api.delete(f"{API}/extensions/201")
        api.put(f"{API}/settings/sip", json={"domain": "phones.acme.example"})
        OutboxWorker(database, s).run(threading.Event(), until_idle=True)
        assert switch.rpc.contacts("201@acme.example") == []
        with database.reading() as db:
            rows = db.execute(
                select(OutboxMessage.kind, OutboxMessage.status, OutboxMessage.attempts)
                .where(OutboxMessage.channel == "switch")).all()
        # The reset; removing Alice first (R-D2) ends the softphone; the deletion the rest.
        assert sorted(rows) == [("end_registrations", "sent", 1)] * 3 + [
            ("reload_domains", "sent", 1)] * 2


@pytest.mark.switch
def test_a_new_domain_works_once_kamailio_reloads_and_keeps_the_passwords(
    database_url: str, settings: Settings, api: TestClient, database: Database, tmp_path: Path,
) -> None:
    """R-SW1, R-SW7: Kamailio caches domains; the reload the outbox sends after commit
    makes the new domain work, with the same password (the realm stayed)."""
    require_switch(database_url)
    api.put(f"{API}/settings/sip", json={"domain": "acme.example"})
    password = api.post(f"{API}/extensions", json={"number": "201"}).json()["sip"]["password"]
    with running_switch(settings, tmp_path) as switch:
        s = settings.model_copy(update={"switch_rpc_url": switch.rpc.url})
        OutboxWorker(database, s).run(threading.Event(), until_idle=True)
        assert _register(switch.sip_port, "201", "acme.example", password) == "SIP/2.0 200 OK"
        api.put(f"{API}/settings/sip", json={"domain": "phones.acme.example"})
        assert _register(switch.sip_port, "201", "phones.acme.example",
                         password) == "SIP/2.0 403 Unknown SIP domain"  # not reloaded yet
        OutboxWorker(database, s).run(threading.Event(), until_idle=True)
        assert _register(switch.sip_port, "201", "phones.acme.example",
                         password) == "SIP/2.0 200 OK"
        assert _register(switch.sip_port, "201", "acme.example",
                         password) == "SIP/2.0 403 Unknown SIP domain"
