"""`phonedesk serve --workers 2`: two processes serve, each with its in-process email
worker, and every queued message is still sent exactly once (DESIGN §3: the outbox
claim is a lease taken under the write lock, SKIP LOCKED on PostgreSQL). Token use is
recorded off the request path, once a minute at most.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import ApiToken
from tests.conftest import AccountInfo
from tests.outbox.support import SmtpServer, wait_until
from tests.outbox.test_worker_process import _queue_many, _received_ids, _unsent, _until_done

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _get(port: int, path: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_two_serving_processes_send_each_message_once(
    database: Database, database_url: str, settings: Settings, account: AccountInfo,
    smtp_server: SmtpServer, tmp_path: Path,
) -> None:
    expected = _queue_many(database, settings, account)
    port = _free_port()
    env = {**os.environ, "PHONEDESK_ENVIRONMENT": "test",
           "PHONEDESK_SECRET_KEY": "test-secret-key-not-for-production",
           "PHONEDESK_DATABASE_URL": database_url, "PHONEDESK_SMTP_URL": smtp_server.url,
           "PHONEDESK_MAIL_DIR": str(tmp_path / "mail"),
           "PHONEDESK_MESSAGE_DIR": str(tmp_path / "messages"),
           "PHONEDESK_OUTBOX_POLL_SECONDS": "0.1", "PHONEDESK_OUTBOX_BATCH_SIZE": "25"}
    log = (tmp_path / "serve.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "phonedesk.cli.main", "serve", "--port", str(port),
         "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        # Generous: two processes importing the app on a busy 2-core machine.
        assert wait_until(lambda: _ping(port), timeout=240), (tmp_path / "serve.log").read_text()
        assert len(_children(server.pid)) >= 2
        assert all(_get(port, "/api/v1/profiles?limit=1", account.token) == 200
                   for _ in range(20))
        assert _until_done(
            lambda: smtp_server.recorder.count() >= len(expected) and _unsent(database) == 0,
            smtp_server.recorder.count,
        ), f"stalled at {smtp_server.recorder.count()} deliveries"
        assert wait_until(lambda: _last_used(database) is not None, timeout=30)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()
    received = _received_ids(smtp_server)
    assert sorted(received) == sorted(expected)  # each exactly once, from either process


def _ping(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        time.sleep(0.2)
        return False


def _last_used(database: Database) -> object:
    with database.reading() as db:
        return db.scalar(select(ApiToken.last_used_at).where(ApiToken.name == "tests"))
