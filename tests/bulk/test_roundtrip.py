"""Template and export, and download → upload unchanged (R-C2, R-C6, R-C3)."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.bulk.conftest import HEADER, create, template, upload

TRICKY = [
    ("Zoë", "O'Brien, Jr.", "zoe@acme.example", "Zoë"),
    ("=SUM(A1)", "+Plus", "eq@acme.example", "-minus"),
    ("@handle", "Quote \"Me\"", "quote@acme.example", "@at"),
    ("Multi", "Line", "multi@acme.example", "multi"),
]


def test_template_has_standard_columns_then_custom_labels_bom_and_crlf(
    api: TestClient, labels: dict[str, object]
) -> None:
    """R-C2: header, one row per profile, UTF-8 BOM and CRLF so Excel opens it."""
    create(api, "Ann", "Lee", "ann@acme.example", custom_field_1="Sales")
    response = api.get("/api/v1/profiles/template.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body[3:].decode("utf-8").split("\r\n")
    assert lines[0] == ",".join([*HEADER, "Department", "Cost Centre", "Extensions"])
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8"))))
    assert len(rows) == 3  # header, primary administrator, Ann
    ann = next(r for r in rows if r[1] == "Ann")
    assert ann[3:] == ["ann@acme.example", "ann@acme.example", "Sales", "", ""]
    assert ann[0].startswith("p")


def test_export_neutralises_formulas(api: TestClient, labels: dict[str, object]) -> None:
    """R-C6: cells starting with = + - @ get a leading quote in the export."""
    create(api, "=cmd", "+x", "f@acme.example", "-user", custom_field_1="@dept")
    text = api.get("/api/v1/profiles/export.csv").content.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text)) if r[3] == "f@acme.example")
    assert row[1:5] == ["'=cmd", "'+x", "f@acme.example", "'-user"]
    assert row[5] == "'@dept"


def test_download_then_upload_unchanged_reports_every_row_unchanged(
    api: TestClient, labels: dict[str, object]
) -> None:
    """R-C3/R-C6 acceptance: accents, quotes, commas, newlines, formula-like values."""
    for first, last, email, username in TRICKY:
        create(api, first, last, email, username, custom_field_1="Dept, \"North\"\nFloor 2",
               custom_field_2="=1+1")
    data = template(api)
    body = upload(api, data, "template.csv")
    assert body["status"] == "validated", body
    assert body["counts"] == {"new": 0, "changed": 0, "unchanged": 5, "error": 0}
    submitted = api.post(f"/api/v1/imports/{body['id']}/submit")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "applied"
    assert template(api) == data
