"""Validating an upload never holds the write lock: other writers keep working (R-C3;
DESIGN §3 "Overload"; uploads stage in short transactions, only submit writes profiles).

The write is issued from another thread while the upload is in the middle of
its file (from the upload's own progress callback) and must complete there and
then: if the upload held SQLite's write lock, the writer would wait for the
busy timeout and fail with "database is locked". The time is printed, not
asserted (``-s`` shows it; PHONEDESK_TEST_UPLOAD_ROWS sets the file's size).
"""

from __future__ import annotations

import io
import os
import threading
import time

from phonedesk.bulk import service as bulk
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.profiles import service as profiles
from tests.bulk.conftest import csv_bytes
from tests.conftest import AccountInfo, scope_for

ROWS = int(os.environ.get("PHONEDESK_TEST_UPLOAD_ROWS", "12000"))


def test_a_write_during_validation_completes_without_error(
    database: Database, settings: Settings, account: AccountInfo,
) -> None:
    data = csv_bytes([["", f"N{i}", "Lee", f"n{i}@acme.example", f"n{i}"] for i in range(ROWS)])
    outcome: dict[str, object] = {}

    def write() -> None:
        start = time.perf_counter()
        try:
            with database.transaction() as db:
                profiles.create_profile(scope_for(db, account.id, settings), first_name="Wri",
                                        last_name="Ter", email="writer@acme.example")
        except Exception as exc:  # the failure is the finding
            outcome["error"] = exc
        outcome["seconds"] = time.perf_counter() - start

    def progress(done: int, total: int) -> None:
        if "seconds" in outcome or done >= total:
            return
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(timeout=60)
        outcome["during"] = not writer.is_alive()

    with database.reading() as db:
        start = time.perf_counter()
        batch = bulk.upload(scope_for(db, account.id, settings), io.BytesIO(data), "big.csv",
                            progress=progress, database=database)
        upload_seconds = time.perf_counter() - start
        assert batch.status == "validated" and batch.new_count == ROWS
        import_id = batch.public_id
    assert outcome.get("during") is True, outcome
    assert "error" not in outcome, outcome
    print(f"\n{database.engine.dialect.name}: write during a {ROWS:,}-row upload took "
          f"{outcome['seconds'] * 1000:.0f} ms (upload {upload_seconds:.1f} s)")
    with database.transaction() as db:  # the upload still submits: only submit writes profiles
        done = bulk.submit(scope_for(db, account.id, settings), import_id)
        assert done.status == "applied"
