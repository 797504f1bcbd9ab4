"""TLS to the SMTP server: smtps:// and smtp+starttls:// verify the certificate (DESIGN §2).

A throw-away certificate authority signs a certificate for 127.0.0.1; the worker
trusts it only through SSL_CERT_FILE, exactly as an installation would add a CA.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from tests.conftest import AccountInfo
from tests.outbox.support import Recorder, deliver, free_port
from tests.outbox.test_delivery import _queue

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("tls")
    _run(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=PhoneDesk test CA",
        cwd=d,
    )
    _run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=127.0.0.1",
        cwd=d,
    )
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    _run(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        cwd=d,
    )
    return d


class _StartTlsController(Controller):
    def __init__(self, handler: Recorder, port: int, context: ssl.SSLContext) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=port)
        self.tls = context

    def factory(self) -> SMTP:
        return SMTP(self.handler, require_starttls=True, tls_context=self.tls)


@pytest.fixture
def server_context(certificates: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    return context


@pytest.fixture
def trusted(certificates: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "ca.pem"))
    yield


def _status(database: Database, row_id: int) -> str:
    with database.reading() as db:
        row = db.get(OutboxMessage, row_id)
        assert row is not None
        return row.status


@pytest.mark.parametrize("scheme", ["smtps", "smtp+starttls"])
def test_tls_delivery(
    scheme: str,
    trusted: None,
    server_context: ssl.SSLContext,
    database: Database,
    settings: Settings,
    account: AccountInfo,
) -> None:
    recorder = Recorder()
    port = free_port()
    controller: Controller
    if scheme == "smtps":
        controller = Controller(
            recorder, hostname="127.0.0.1", port=port, ssl_context=server_context
        )
    else:
        controller = _StartTlsController(recorder, port, server_context)
    controller.start()
    try:
        row_id = _queue(database, settings, account, "tls@acme.example")
        deliver(
            database,
            settings.model_copy(
                update={"smtp_url": f"{scheme}://127.0.0.1:{port}", "smtp_timeout_seconds": 10.0}
            ),
        )
        assert _status(database, row_id) == "sent"
        assert [r.rcpt_tos for r in recorder.received] == [["tls@acme.example"]]
    finally:
        controller.stop()


def test_an_untrusted_certificate_is_not_used(
    certificates: Path,
    server_context: ssl.SSLContext,
    database: Database,
    settings: Settings,
    account: AccountInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificates / "server.key"))  # no CA in it
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=server_context)
    controller.start()
    try:
        row_id = _queue(database, settings, account, "tls@acme.example")
        deliver(
            database,
            settings.model_copy(
                update={"smtp_url": f"smtps://127.0.0.1:{port}", "smtp_timeout_seconds": 10.0}
            ),
        )
        assert _status(database, row_id) == "pending"  # retried later, never sent in clear
        with database.reading() as db:
            row = db.get(OutboxMessage, row_id)
            assert row is not None and "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")
        assert recorder.received == []
    finally:
        controller.stop()
