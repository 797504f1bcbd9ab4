"""One bad message never stops the worker (DESIGN §3 "Overload", worker isolation).

Poison rows sit between good ones in every account: an email whose header cannot be
built, one whose attachment list is not a list of files, a switch action that is not
JSON. Each is parked as failed with its reason, visible on Outgoing Email and
retryable after a fix; every good message of every account is delivered; neither
``phonedesk worker`` nor the worker thread of ``serve`` exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.app import create_app
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from phonedesk.models.outbox import SWITCH
from phonedesk.outbox import service as outbox
from tests.conftest import AccountInfo, auth, make_account, scope_for
from tests.outbox.support import SmtpServer, deliver, wait_until, with_smtp

POISONS = {
    "header": "could not be built or sent: ValueError",
    "attachments": "could not be built or sent: AttributeError",
    "switch": "the switch action is not JSON",
}


def _good(database: Database, settings: Settings, account_id: int, n: int) -> str:
    with database.transaction() as db:
        row = outbox.enqueue(
            scope_for(db, account_id, settings), kind="setup_link", to=f"good{n}@example.test",
            template="setup_link",
            context={"first_name": f"Good {n}", "username": f"good{n}",
                     "setup_url": f"https://x.test/{n}", "link_ttl_hours": 72},
        )
        db.flush()
        return row.message_id


def _poison(database: Database, settings: Settings, account_id: int, which: str) -> int:
    with database.transaction() as db:
        row = outbox.enqueue(
            scope_for(db, account_id, settings), kind="voicemail", to="boss@example.test",
            template="setup_link",
            context={"first_name": "X", "username": "x", "setup_url": "https://x.test/p",
                     "link_ttl_hours": 72},
        )
        if which == "header":  # what a caller number with U+2028 once made
            row.subject = "New voicemail for extension 201 from \u2028+1555"
        elif which == "attachments":
            row.attachments = {"storage_name": "not a list"}  # type: ignore[assignment]
        else:
            row.channel = SWITCH
            row.to_address = "switch"
            row.body_text = "{not json"
        db.flush()
        return row.id


def _queue_everything(database: Database, settings: Settings,
                      accounts: list[AccountInfo]) -> tuple[set[str], dict[int, str]]:
    good: set[str] = set()
    poisons: dict[int, str] = {}
    n = 0
    for account in accounts:
        for which in POISONS:
            good.add(_good(database, settings, account.id, n))
            poisons[_poison(database, settings, account.id, which)] = which
            n += 1
        good.add(_good(database, settings, account.id, n))
        n += 1
    return good, poisons


def _rows(database: Database) -> dict[int, OutboxMessage]:
    with database.reading() as db:
        rows = db.scalars(select(OutboxMessage)).all()
        for row in rows:
            db.expunge(row)
        return {row.id: row for row in rows}


def _received(smtp: SmtpServer) -> set[str]:
    with smtp.recorder.lock:
        return {str(r.message["Message-ID"]) for r in smtp.recorder.received}


def test_poison_messages_are_parked_and_every_good_one_flows(
    database: Database, settings: Settings, account: AccountInfo, smtp_server: SmtpServer,
    api: TestClient,
) -> None:
    beta = make_account(database, settings, "Beta")
    good, poisons = _queue_everything(database, settings, [account, beta])
    s = with_smtp(settings, smtp_server, switch_rpc_url="http://127.0.0.1:9/RPC")
    deliver(database, s)
    assert _received(smtp_server) >= good
    rows = _rows(database)
    for row_id, which in poisons.items():
        assert rows[row_id].status == "failed", which
        assert POISONS[which] in (rows[row_id].last_error or ""), rows[row_id].last_error
    assert all(r.status != "pending" for r in rows.values())
    # Administrators see them with their reason, each account only its own (R-AC1).
    failed = api.get("/api/v1/outgoing-emails", params={"status": "failed"}).json()["items"]
    assert len(failed) == 3 and all(f["last_error"] for f in failed)
    assert {f["channel"] for f in failed} == {"email", "switch"}
    beta_failed = api.get("/api/v1/outgoing-emails", params={"status": "failed"},
                          headers=auth(beta.token)).json()
    assert beta_failed["total"] == 3
    # Fixed, a parked message is retried and goes out.
    [header_row] = [i for i, w in poisons.items() if w == "header" and rows[i].account_id
                    == account.id]
    with database.transaction() as db:
        fixed = db.get(OutboxMessage, header_row)
        assert fixed is not None
        fixed.subject = "New voicemail for extension 201 from +1555"
    assert api.post(f"/api/v1/outgoing-emails/{header_row}/retry").status_code == 200
    deliver(database, s)
    assert _rows(database)[header_row].status == "sent"


def test_the_worker_of_serve_survives_poison(database: Database, settings: Settings,
                                            account: AccountInfo,
                                            smtp_server: SmtpServer) -> None:
    s = with_smtp(settings, smtp_server, outbox_worker_in_process=True,
                  switch_rpc_url="http://127.0.0.1:9/RPC")
    with TestClient(create_app(s, database)):
        good, poisons = _queue_everything(database, settings, [account])
        assert wait_until(lambda: _received(smtp_server) >= good, timeout=30)
        assert wait_until(lambda: all(_rows(database)[i].status == "failed" for i in poisons))
        assert [t for t in threading.enumerate() if t.name == "phonedesk-outbox"]
        more = _good(database, settings, account.id, 99)
        assert wait_until(lambda: more in _received(smtp_server), timeout=30)


def test_the_worker_process_survives_poison(database: Database, database_url: str,
                                            settings: Settings, account: AccountInfo,
                                            smtp_server: SmtpServer, tmp_path: Path) -> None:
    beta = make_account(database, settings, "Beta")
    good, poisons = _queue_everything(database, settings, [account, beta])
    env = dict(os.environ)
    env.update({
        "PHONEDESK_ENVIRONMENT": "test", "PHONEDESK_SECRET_KEY": "test-secret-key-not-for-prod",
        "PHONEDESK_DATABASE_URL": database_url, "PHONEDESK_SMTP_URL": smtp_server.url,
        "PHONEDESK_MAIL_DIR": str(tmp_path / "mail"),
        "PHONEDESK_MESSAGE_DIR": str(tmp_path / "messages"),
        "PHONEDESK_OUTBOX_POLL_SECONDS": "0.1", "PHONEDESK_SWITCH_RPC_URL": "http://127.0.0.1:9/RPC",
    })
    worker = subprocess.Popen([sys.executable, "-m", "phonedesk.cli.main", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: _received(smtp_server) >= good, timeout=60)
        assert wait_until(lambda: all(_rows(database)[i].status == "failed" for i in poisons),
                          timeout=30)
        # Still running, still delivering what comes next.
        more = _good(database, settings, account.id, 99)
        assert wait_until(lambda: more in _received(smtp_server), timeout=30)
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    log = worker.stderr.read().decode() if worker.stderr else ""
    assert code == 0, log
    assert "Traceback" not in log
    # The reasons are in the log, the messages' bodies (which may hold links) are not.
    assert "could not be built or sent" in log
    assert "https://x.test/p" not in log
