"""Validate and submit issue a fixed number of statements per batch, never one per row
(issue 3 performance rule; DESIGN §3 "set-based SQL")."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from phonedesk.db import Database
from tests.bulk.conftest import HEADER, create, csv_bytes, upload


def _statements(database: Database, api: TestClient, rows: list[list[str]],
                header: list[str] | None = None) -> int:
    count = 0

    def counter(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(database.engine, "before_cursor_execute", counter)
    try:
        body = upload(api, csv_bytes(rows, header or HEADER))
        assert body["status"] == "validated", body
        assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 200
    finally:
        event.remove(database.engine, "before_cursor_execute", counter)
    return count


def test_statement_count_does_not_grow_with_rows(api: TestClient, database: Database) -> None:
    existing = [create(api, f"E{i}", "X", f"e{i}@acme.example", f"e{i}") for i in range(6)]

    def file(n: int, tag: str) -> list[list[str]]:
        rows = [["", f"N{i}", "Y", f"{tag}{i}@acme.example", f"{tag}{i}"] for i in range(n)]
        changed = [[p["id"], p["first_name"], f"Z{tag}", p["email"], p["username"]]
                   for p in existing[: max(1, n // 100)]]
        return changed + rows

    small = _statements(database, api, file(20, "s"))
    large = _statements(database, api, file(600, "l"))
    assert large == small, (small, large)


def test_the_extensions_column_adds_no_statement_per_row(
    api: TestClient, database: Database,
) -> None:
    """With an Extensions column (cells left empty: no assignment changes), still per batch."""
    existing = [create(api, f"F{i}", "X", f"f{i}@acme.example", f"f{i}") for i in range(6)]
    header = [*HEADER, "Extensions"]

    def file(n: int, tag: str) -> list[list[str]]:
        rows = [["", f"N{i}", "Y", f"{tag}{i}@acme.example", f"{tag}{i}", ""] for i in range(n)]
        changed = [[p["id"], p["first_name"], f"Z{tag}", p["email"], p["username"], ""]
                   for p in existing[: max(1, n // 100)]]
        return changed + rows

    small = _statements(database, api, file(20, "s"), header)
    large = _statements(database, api, file(600, "l"), header)
    assert large == small, (small, large)
