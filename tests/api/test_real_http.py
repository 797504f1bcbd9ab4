"""``phonedesk serve`` over real HTTP on 127.0.0.1, on a fresh SQLite file.

Checks the first-run experience (an empty database gets an account, a primary
administrator, a setup link and an API token printed), a real API call with that
token, and that many concurrent writes on SQLite wait for each other instead of
failing with "database is locked" (DESIGN §3).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.serve import Server, fresh_postgres_database, serve


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``phonedesk serve`` on an empty database of each backend."""
    workdir = tmp_path_factory.mktemp("serve")
    if request.param == "sqlite":
        yield from serve(workdir, f"sqlite:///{workdir / 'phonedesk.db'}")
    else:
        for url in fresh_postgres_database():
            yield from serve(workdir, url)


def test_first_run_creates_an_account_and_prints_how_to_sign_in(server: Server) -> None:
    text = server.text
    assert "Created the account" in text
    assert re.search(re.escape(server.base) + r"/password/setup/[A-Za-z0-9_-]{22,}", text)
    assert re.fullmatch(r"pd_[A-Za-z0-9_-]{40,}", server.token())
    assert f"{server.base}/api/v1/docs" in text


def test_real_api_call(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.token()}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as client:
        listed = client.get("/api/v1/profiles")
        assert listed.status_code == 200
        [admin] = listed.json()["items"]
        assert admin["role"] == "primary_administrator"
        created = client.post("/api/v1/profiles", json={
            "first_name": "Real", "last_name": "Http", "email": "real@http.example"})
        assert created.status_code == 201, created.text
        assert created.headers["location"] == f"/api/v1/profiles/{created.json()['id']}"
        assert client.get("/api/v1/openapi.json").json()["info"]["title"] == "PhoneDesk"
        unauthenticated = httpx.get(f"{server.base}/api/v1/profiles", timeout=30)
        assert unauthenticated.status_code == 401


WORKERS = 8
REQUESTS_PER_WORKER = 12


def test_concurrent_writes_do_not_fail(server: Server) -> None:
    """On SQLite the point is "database is locked"; on PostgreSQL, no lost writes."""
    headers = {"Authorization": f"Bearer {server.token()}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
        for n in range(WORKERS):
            assert client.post("/api/v1/extensions",
                               json={"number": f"7{n:02d}"}).status_code == 201

    def work(worker: int) -> list[int]:
        statuses = []
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
            for i in range(REQUESTS_PER_WORKER):
                created = client.post("/api/v1/profiles", json={
                    "first_name": f"W{worker}", "last_name": f"R{i}",
                    "email": f"w{worker}r{i}@load.example"})
                statuses.append(created.status_code)
                if created.status_code != 201:
                    continue
                assigned = client.put(f"/api/v1/extensions/7{worker:02d}/profile",
                                      json={"profile_id": created.json()["id"]})
                statuses.append(assigned.status_code)
                edited = client.patch(f"/api/v1/extensions/7{worker:02d}",
                                      json={"caller_id_first_name": f"Edit{i}"})
                statuses.append(edited.status_code)
        return statuses

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = [s for statuses in pool.map(work, range(WORKERS)) for s in statuses]
    assert len(results) == WORKERS * REQUESTS_PER_WORKER * 3
    assert set(results) <= {200, 201}, sorted(set(results))
    assert "database is locked" not in server.text
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
        page = client.get("/api/v1/profiles", params={"q": "load.example", "limit": 500})
        assert page.json()["total"] == WORKERS * REQUESTS_PER_WORKER


def test_concurrent_same_username_exactly_one_wins(server: Server) -> None:
    """R-P2 under a race: one 201, every other request a clean 409, never a 500."""
    headers = {"Authorization": f"Bearer {server.token()}"}

    def attempt(n: int) -> tuple[int, str | None, str | None]:
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
            response = client.post("/api/v1/profiles", json={
                "first_name": "Race", "last_name": str(n), "email": f"race{n}@load.example",
                "username": "RaceWinner" if n % 2 else "racewinner"})
            error = response.json().get("error") or {}
            return response.status_code, error.get("code"), error.get("field")

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = sorted(pool.map(attempt, range(WORKERS * 2)), key=lambda r: r[0])
    assert [status for status, _, _ in results] == [201] + [409] * (WORKERS * 2 - 1)
    # Whether the service's check or the database's constraint stopped it, a loser
    # is told the same thing: the username is taken.
    assert {(code, field) for _, code, field in results[1:]} == {("username_taken", "username")}
