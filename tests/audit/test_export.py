"""The audit log's CSV writer (R-AU1, R-C6), called as a service, beside the HTTP tests.

Both exports (REST and the Audit Log page) go through ``audit.export.write_csv``.
"""

from __future__ import annotations

import csv
import io

from phonedesk.audit import export
from phonedesk.audit.service import AuditFilter
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo, scope_for


def _create(database: Database, settings: Settings, account: AccountInfo, n: int) -> None:
    with database.transaction() as db:
        scope = scope_for(db, account.id, settings)
        for i in range(n):
            profiles.create_profile(scope, first_name=f"=cmd|{i}", last_name="Doe",
                                    email=f"doe{i}@acme.example")


def _rows(chunks: list[bytes]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))


def test_writes_batch_by_batch_newest_first_neutralised(
    database: Database, settings: Settings, account: AccountInfo
) -> None:
    _create(database, settings, account, 5)
    flt = AuditFilter(action="profile.created")
    with database.reading() as db:
        chunks = list(export.write_csv(scope_for(db, account.id, settings), flt,
                                       export.API_LAYOUT, batch=2))
    # The header first, then one chunk per batch of two events read from the database
    # (the primary administrator's creation is a sixth "profile.created").
    assert len(chunks) == 1 + 3
    rows = _rows(chunks)
    assert tuple(rows[0]) == export.API_LAYOUT.header
    targets = [r[5] for r in rows[1:]]
    assert targets[:5] == [f"'=cmd|{i} Doe" for i in (4, 3, 2, 1, 0)]
    assert targets[5] == "Pat Admin"


def test_the_page_layout_has_a_bom_and_headers_for_people(
    database: Database, settings: Settings, account: AccountInfo
) -> None:
    _create(database, settings, account, 1)
    with database.reading() as db:
        chunks = list(export.write_csv(scope_for(db, account.id, settings), AuditFilter(),
                                       export.PAGE_LAYOUT))
    assert chunks[0].startswith("\ufeff".encode())
    rows = _rows(chunks)
    assert rows[0][:3] == ["When (UTC)", "Who", "Action"]
    created = next(r for r in rows if r[2] == "profile.created" and "cmd" in r[5])
    assert created[5] == "'=cmd|0 Doe"
    assert '"first_name": "=cmd|0"' in created[7]  # the JSON cell starts with {, kept as is
