"""Lists that do not walk the table: keyset pages, bounded totals, Unicode-aware order.

R-P1 (the profiles table), R-DIR1. "after" pages return exactly what offset pages
return; a total past the cap is reported as a lower bound; ordering files
Ångström with Angstrom and Łukasz among the L's, the same on both databases.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from phonedesk import paging, search
from phonedesk.db import Database
from phonedesk.models import Profile
from phonedesk.models.base import new_public_id, utcnow
from tests.conftest import AccountInfo

LAST = ["Angstrom", "Ångström", "Zimmer", "Łukasz", "Lee", "lewis", "Østergaard", "Oakes",
        "Ådne", "Becker", "ábel", "Lu", "Zoë"]


def _add(database: Database, account_id: int, names: list[tuple[str, str]]) -> None:
    now = utcnow()
    started = now - timedelta(seconds=1)
    with database.transaction() as db:
        db.execute(insert(Profile), [
            {"public_id": new_public_id("p"), "account_id": account_id, "first_name": first,
             "last_name": last, "email": f"{i}.{first}@lists.example".lower(),
             "username": f"list{i}-{len(names)}", "username_key": f"list{i}-{len(names)}",
             "status": "active", "version": 1, "created_at": now + timedelta(microseconds=i),
             "updated_at": now}
            for i, (first, last) in enumerate(names)])
        search.refresh_profiles(db, account_id, started)


def _walk(api: TestClient, **params: str) -> list[str]:
    """Every id, page by page through the "after" cursors."""
    seen: list[str] = []
    after = None
    for _ in range(100):
        page = api.get("/api/v1/profiles", params={**params, "limit": 4,
                                                   **({"after": after} if after else {})})
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [p["id"] for p in body["items"]]
        after = body["next"]
        if after is None:
            return seen
    raise AssertionError("the cursor never ended")


def test_order_is_unicode_aware(api: TestClient, database: Database,
                                account: AccountInfo) -> None:
    _add(database, account.id, [("Kim", last) for last in LAST])
    body = api.get("/api/v1/profiles", params={"limit": 100}).json()
    order = [p["last_name"] for p in body["items"]]
    assert order == ["ábel", "Admin", "Ådne", "Angstrom", "Ångström", "Becker", "Lee",
                     "lewis", "Lu", "Łukasz", "Oakes", "Østergaard", "Zimmer", "Zoë"]
    assert body["total"] == len(LAST) + 1 and body["total_exact"] is True


@pytest.mark.parametrize("sort", ["last_name", "first_name", "email", "username", "status",
                                  "created_at"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_after_pages_match_offset_pages(api: TestClient, database: Database,
                                        account: AccountInfo, sort: str, order: str) -> None:
    _add(database, account.id, [(f"F{i % 3}", LAST[i % len(LAST)]) for i in range(23)])
    by_offset = [p["id"] for p in api.get("/api/v1/profiles", params={
        "sort": sort, "order": order, "limit": 500}).json()["items"]]
    assert _walk(api, sort=sort, order=order) == by_offset
    assert len(by_offset) == 24
    # A search pages the same way.
    found = [p["id"] for p in api.get("/api/v1/profiles", params={
        "q": "lee", "sort": sort, "order": order, "limit": 500}).json()["items"]]
    assert _walk(api, q="lee", sort=sort, order=order) == found


def test_a_foreign_or_broken_cursor_is_refused(api: TestClient, database: Database,
                                               account: AccountInfo) -> None:
    _add(database, account.id, [("A", f"N{i}") for i in range(6)])
    cursor = api.get("/api/v1/profiles", params={"limit": 2}).json()["next"]
    for params in ({"after": cursor, "sort": "email"}, {"after": "not-a-cursor"},
                   {"after": cursor + "x"}, {"after": "e30"}):
        answer = api.get("/api/v1/profiles", params={"limit": 2, **params})
        assert answer.status_code == 422, (params, answer.text)
        assert answer.json()["error"]["code"] == "invalid_cursor"


def test_totals_past_the_cap_are_a_lower_bound(api: TestClient, database: Database,
                                               account: AccountInfo,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paging, "TOTAL_CAP", 5)
    _add(database, account.id, [("Lee", f"N{i}") for i in range(9)])
    first = api.get("/api/v1/profiles", params={"limit": 2}).json()
    assert (first["total"], first["total_exact"]) == (5, False)
    deep = api.get("/api/v1/profiles", params={"limit": 2, "offset": 6}).json()
    assert (deep["total"], deep["total_exact"]) == (8, False)  # counted past the page asked
    few = api.get("/api/v1/profiles", params={"q": "n1"}).json()
    assert (few["total"], few["total_exact"]) == (1, True)
    assert api.get("/api/v1/directory").json()["total_exact"] is True
    assert paging.Total(10_000, exact=False).shown() == "10,000+"


def _admin_cookie(database: Database, account: AccountInfo) -> dict[str, str]:
    from sqlalchemy import select

    from phonedesk.auth import sessions
    from phonedesk.auth.web import COOKIES
    from phonedesk.models.web_session import KIND_ADMIN

    with database.transaction() as db:
        pa = db.scalar(select(Profile).where(Profile.public_id == account.primary_admin_id))
        assert pa is not None
        pa.password_hash = "set: this test signs in by its session"
        _, token = sessions.start(db, profile=pa, kind=KIND_ADMIN)
    return {COOKIES[KIND_ADMIN]: token}


def test_the_profiles_page_pages_by_cursor_and_says_when_a_total_is_bounded(
    client: TestClient, database: Database, account: AccountInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import html
    import re

    _add(database, account.id, [("Kim", f"Name{i:02d}") for i in range(30)])
    client.cookies.update(_admin_cookie(database, account))
    first = client.get("/admin/profiles")
    assert first.status_code == 200 and "1–25 of 31" in first.text
    nexts = re.findall(r'href="([^"]*after=[^"]*)" rel="next"', first.text)
    assert len(nexts) == 1
    by_cursor = client.get(html.unescape(nexts[0]))
    by_number = client.get("/admin/profiles?page=2")
    assert by_cursor.status_code == by_number.status_code == 200
    names = re.findall(r"Name\d\d", by_cursor.text)
    assert names and names == re.findall(r"Name\d\d", by_number.text)
    assert "Name29" in names and "Name19" not in names
    monkeypatch.setattr(paging, "TOTAL_CAP", 10)
    bounded = client.get("/admin/profiles")
    assert "1–25 of 25+" in bounded.text, re.findall(r"class=\"count\">[^<]*", bounded.text)
    assert "Last</a>" not in bounded.text
