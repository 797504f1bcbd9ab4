"""Search finds the same rows on SQLite and PostgreSQL, case- and accent-insensitively
(R-P1 search, R-DIR1, R-E1): one fixed population, one fixed list of queries, both
databases side by side, and an independent expectation for the profile search.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from phonedesk.app import create_app
from phonedesk.config import Settings
from phonedesk.db import Database
from tests.conftest import PG_ENV, _truncate_all, make_account

PEOPLE = [
    ("Yuki", "Andersson"), ("José", "García"), ("Zoë", "Smith"), ("Anders", "Ångström"),
    ("Łukasz", "Lee"), ("Ann", "O'Brien"), ("Per%cent", "Under_score"), ('Quo"te', "Mc'Quill"),
    ("Jürgen", "Müller"), ("Hans", "Großmann"), ("Søren", "Østergaard"), ("Renée", "Núñez"),
    ("Chloé", "Lee-Smith"), ("Garcia", "Plain"), ("ZOE", "UPPER"),
]
QUERIES = [
    "garcia", "García", "GARCÍA", "zoe", "Zoë", "ZOË", "yuki andersson", "Yuki  Andersson",
    "andersson yuki", "%", "_", "per%", "r_s", "'", '"', "o'brien", "quo\"te", "", "   ", "a",
    "ss", "gross", "straße", "ö", "lu", "lukasz", "ostergaard", "nunez", "lee", "lee-",
    "smith", "@", "example", "ann@", "zzqx", "angstrom", "2001", "200", "e s",
]


def _username(i: int) -> str:
    return f"user{i}"


def _expected(q: str) -> set[str]:
    """Profile search as the user means it, computed without the application's code."""
    def simple(text: str) -> str:
        text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
        text = "".join(c for c in text if not unicodedata.combining(c))
        return " ".join(text.translate(str.maketrans("łø", "lo")).split())
    needle = simple(q)
    if not needle:
        return {_username(i) for i in range(len(PEOPLE))} | {"pat"}
    found = set()
    for i, (first, last) in enumerate(PEOPLE):
        fields = (f"{first} {last}", f"{_username(i)}@search.example", _username(i))
        if any(needle in simple(f) for f in fields):
            found.add(_username(i))
    if any(needle in simple(f) for f in ("Pat Admin", "pat@search.example", "pat")):
        found.add("pat")
    return found


def _populated(url: str, tmp: Path) -> Iterator[TestClient]:
    settings = Settings(environment="test", secret_key="test-secret-key-not-for-production",
                        database_url=url, mail_dir=tmp / "mail", message_dir=tmp / "messages",
                        outbox_worker_in_process=False)
    database = Database.from_url(url)
    if not database.sqlite:
        _truncate_all(database)
    info = make_account(database, settings, "Search", admin_email="pat@search.example",
                        admin_username="pat")
    with TestClient(create_app(settings, database), raise_server_exceptions=False) as client:
        client.headers["Authorization"] = f"Bearer {info.token}"
        for i, (first, last) in enumerate(PEOPLE):
            made = client.post("/api/v1/profiles", json={
                "first_name": first, "last_name": last,
                "email": f"{_username(i)}@search.example", "username": _username(i)})
            assert made.status_code == 201, made.text
            if i % 2 == 0:
                ext = client.post("/api/v1/extensions", json={
                    "number": str(2000 + i), "profile_id": made.json()["id"]})
                assert ext.status_code == 201, ext.text
        yield client
    database.dispose()


def _answers(client: TestClient) -> dict[str, tuple[list[str], list[str], list[str]]]:
    result = {}
    for q in QUERIES:
        profiles = client.get("/api/v1/profiles", params={"q": q, "limit": 500}).json()
        directory = client.get("/api/v1/directory", params={"q": q}).json()
        extensions = client.get("/api/v1/extensions", params={"q": q}).json()
        result[q] = ([p["username"] for p in profiles["items"]],
                     [e["username"] for e in directory["items"]],
                     [e["number"] for e in extensions["items"]])
    return result


@pytest.fixture
def postgres(request: pytest.FixtureRequest) -> str:
    import os
    if not os.environ.get(PG_ENV):
        pytest.skip(f"comparing with PostgreSQL needs {PG_ENV}")
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_search_is_identical_on_both_databases_and_as_meant(
    sqlite_template: Path, postgres: str, tmp_path: Path,
) -> None:
    path = tmp_path / "search.db"
    shutil.copyfile(sqlite_template, path)
    answers = []
    for url in (f"sqlite:///{path}", postgres):
        populated = _populated(url, tmp_path)
        answers.append(_answers(next(populated)))
        next(populated, None)
    on_sqlite, on_postgres = answers
    for q in QUERIES:
        assert on_sqlite[q] == on_postgres[q], q
        assert set(on_sqlite[q][0]) == _expected(q), q
    # Accents and full names really are found (the expectation is not empty everywhere).
    assert set(on_sqlite["garcia"][0]) == {"user1", "user13"}
    assert on_sqlite["yuki andersson"][0] == ["user0"]
    assert on_sqlite["zoe"][1] == ["user2", "user14"]  # the directory, by last name: Smith, UPPER
    assert on_sqlite["lukasz"][2] == ["2004"]  # the extension of Łukasz, by its caller ID
