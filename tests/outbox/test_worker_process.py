"""`phonedesk worker` as real processes against a real SMTP server (DESIGN §3).

A worker killed with SIGKILL mid-way loses nothing: its leased rows are claimed
again once the lease expires (duplicates allowed). On PostgreSQL, two workers
running at once send every message exactly once (FOR UPDATE SKIP LOCKED).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import OutboxMessage
from phonedesk.outbox import service as outbox
from tests.conftest import AccountInfo, scope_for
from tests.outbox.support import SmtpServer, wait_until

TOTAL = 1000
pytestmark = pytest.mark.slow


def _queue_many(database: Database, settings: Settings, account: AccountInfo) -> set[str]:
    ids: set[str] = set()
    with database.transaction() as db:
        scope = scope_for(db, account.id, settings)
        for n in range(TOTAL):
            row = outbox.enqueue(
                scope,
                kind="setup_link",
                to=f"user{n}@acme.example",
                template="setup_link",
                context={
                    "first_name": f"User {n}",
                    "username": f"user{n}",
                    "setup_url": f"https://x.test/{n}",
                    "link_ttl_hours": 72,
                },
            )
            ids.add(row.message_id)
    return ids


def _start_worker(
    database_url: str, smtp: SmtpServer, tmp: Path, *, lease: float
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        {
            "PHONEDESK_ENVIRONMENT": "test",
            "PHONEDESK_SECRET_KEY": "test-secret-key-not-for-production",
            "PHONEDESK_DATABASE_URL": database_url,
            "PHONEDESK_SMTP_URL": smtp.url,
            "PHONEDESK_MAIL_DIR": str(tmp / "mail"),
            "PHONEDESK_MESSAGE_DIR": str(tmp / "messages"),
            "PHONEDESK_OUTBOX_LEASE_SECONDS": str(lease),
            "PHONEDESK_OUTBOX_POLL_SECONDS": "0.1",
            "PHONEDESK_OUTBOX_BATCH_SIZE": "25",
        }
    )
    return subprocess.Popen(
        [sys.executable, "-m", "phonedesk.cli.main", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stop(proc: subprocess.Popen[bytes]) -> int:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout=10)


def _until_done(
    done: Callable[[], bool],
    progress: Callable[[], int],
    *,
    stall: float = 60.0,
    limit: float = 900.0,
) -> bool:
    """Wait for ``done`` while deliveries keep coming (a busy machine is slow, not stuck).

    Gives up when nothing new arrived for ``stall`` seconds, or after ``limit``.
    """
    start = last_change = time.monotonic()
    seen = progress()
    while time.monotonic() - start < limit:
        if done():
            return True
        now_seen = progress()
        if now_seen != seen:
            seen, last_change = now_seen, time.monotonic()
        elif time.monotonic() - last_change > stall:
            return False
        time.sleep(0.2)
    return done()


def _received_ids(smtp: SmtpServer) -> list[str]:
    with smtp.recorder.lock:
        return [str(r.message["Message-ID"]) for r in smtp.recorder.received]


def _unsent(database: Database) -> int:
    with database.reading() as db:
        return int(
            db.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status != "sent")
            )
            or 0
        )


def test_sigkilled_worker_loses_no_email(
    database: Database,
    database_url: str,
    settings: Settings,
    account: AccountInfo,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    expected = _queue_many(database, settings, account)
    first = _start_worker(database_url, smtp_server, tmp_path, lease=2.0)
    try:
        count = smtp_server.recorder.count
        assert _until_done(lambda: count() >= 150, count), "the first worker delivers nothing"
    finally:
        first.kill()  # SIGKILL: no chance to clean up
        first.wait(timeout=10)
    at_kill = smtp_server.recorder.count()
    assert at_kill < TOTAL, "the worker finished before it could be killed mid-way"

    second = _start_worker(database_url, smtp_server, tmp_path, lease=2.0)
    try:
        assert _until_done(
            lambda: (
                smtp_server.recorder.count() >= TOTAL
                and set(_received_ids(smtp_server)) >= expected
            ),
            smtp_server.recorder.count,
        ), f"stalled at {smtp_server.recorder.count()} deliveries"
        assert wait_until(lambda: _unsent(database) == 0, timeout=60)
    finally:
        code = _stop(second)
    assert code == 0, second.stderr.read().decode() if second.stderr else ""
    received = _received_ids(smtp_server)
    print(
        f"killed after {at_kill} deliveries; {len(received)} received for {TOTAL} queued, "
        f"{len(set(received))} distinct"
    )
    assert set(received) == expected  # every one arrived; duplicates are allowed
    assert len(received) - TOTAL <= 25 + 1  # at most the batch the killed worker held


def test_two_workers_on_postgresql_send_each_message_once(
    database: Database,
    database_url: str,
    settings: Settings,
    account: AccountInfo,
    smtp_server: SmtpServer,
    tmp_path: Path,
) -> None:
    if database.sqlite:
        pytest.skip("FOR UPDATE SKIP LOCKED is the PostgreSQL path")
    expected = _queue_many(database, settings, account)
    workers = [_start_worker(database_url, smtp_server, tmp_path, lease=300.0) for _ in range(2)]
    try:
        assert _until_done(
            lambda: smtp_server.recorder.count() >= TOTAL and _unsent(database) == 0,
            smtp_server.recorder.count,
        ), f"stalled at {smtp_server.recorder.count()} deliveries"
    finally:
        codes = [_stop(w) for w in workers]
    assert codes == [0, 0]
    received = _received_ids(smtp_server)
    assert sorted(received) == sorted(expected)  # each exactly once
