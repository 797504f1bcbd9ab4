"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from phonedesk.db import normalize_url
from phonedesk.migrate import alembic_config, upgrade
from phonedesk.models import Base


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = os.environ.get("PHONEDESK_TEST_DATABASE_URL")
    if not base:
        pytest.skip("PostgreSQL tests need PHONEDESK_TEST_DATABASE_URL")
    url = make_url(normalize_url(base))
    name = f"{url.database}_migrations_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _modelled(sqlite: bool):  # type: ignore[no-untyped-def]
    """Leave out what no model describes: SQLite's FTS5 search table (and its shadow
    tables), and the PostgreSQL-only trigram index when comparing on SQLite."""
    def include(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        if kind == "table" and (name or "").startswith("profiles_fts"):
            return False
        return not (sqlite and kind == "index" and name == "ix_profiles_search_trgm")
    return include


def _differences(url: str) -> list[object]:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "include_object": _modelled(engine.dialect.name == "sqlite")})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_match_models(empty_url: str) -> None:
    upgrade(empty_url)
    assert _differences(empty_url) == []


def test_downgrade_to_base_and_upgrade_again(empty_url: str) -> None:
    upgrade(empty_url)
    command.downgrade(alembic_config(empty_url), "base")
    engine = create_engine(normalize_url(empty_url))
    tables = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert tables == set()
    upgrade(empty_url)
    assert _differences(empty_url) == []
