"""Helpers for the bulk CSV tests: building files and driving the import API."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient

HEADER = ["Internal ID", "First Name", "Last Name", "Email Address", "Username"]


def csv_bytes(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] | None = HEADER,
    *,
    delimiter: str = ",",
    bom: bool = False,
    newline: str = "\r\n",
    encoding: str = "utf-8",
) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def upload(api: TestClient, data: bytes, filename: str = "profiles.csv") -> dict[str, Any]:
    response = api.post("/api/v1/imports", files={"file": (filename, data, "text/csv")})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def all_rows(api: TestClient, import_id: str, outcome: str | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"limit": 500}
    if outcome:
        params["outcome"] = outcome
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        params["offset"] = offset
        page = api.get(f"/api/v1/imports/{import_id}", params=params).json()["rows"]
        items.extend(page["items"])
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            return items


def errors_of(body: dict[str, Any]) -> list[tuple[int, str | None, str]]:
    return [(r["row"], e["column"], e["message"]) for r in body["rows"]["items"]
            for e in r["errors"]]


def template(api: TestClient) -> bytes:
    response = api.get("/api/v1/profiles/template.csv")
    assert response.status_code == 200, response.text
    return response.content


def create(api: TestClient, first: str, last: str, email: str,
           username: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"first_name": first, "last_name": last, "email": email, **extra}
    if username is not None:
        body["username"] = username
    response = api.post("/api/v1/profiles", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
def labels(api: TestClient) -> dict[str, Any]:
    """Enable two custom fields on the account."""
    response = api.put("/api/v1/settings/profile-fields", json={
        "custom_fields": [{"number": 1, "label": "Department"},
                          {"number": 2, "label": "Cost Centre"}]})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result
