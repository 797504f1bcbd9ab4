"""Kamailio's shared location database in the rendered configuration (R-SW7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonedesk.config import Settings
from phonedesk.switch import contract, location
from phonedesk.switch.config import SwitchConfigError, render


def _settings(tmp_path: Path, **more: str) -> Settings:
    return Settings(environment="test", secret_key="k" * 32,
                    database_url=f"sqlite:///{tmp_path / 'p.db'}", **more)


def test_registrations_in_memory_unless_a_location_database_is_set(tmp_path: Path) -> None:
    alone = render(_settings(tmp_path))
    assert 'modparam("usrloc", "db_mode", 0)' in alone and "db_postgres" not in alone
    shared = render(_settings(tmp_path, switch_location_database_url="postgres://k@db/loc"))
    assert 'modparam("usrloc", "db_mode", 3)' in shared
    assert 'modparam("usrloc", "db_url", "postgres://k@db/loc")' in shared
    assert 'loadmodule "db_postgres.so"' in shared and 'loadmodule "db_sqlite.so"' in shared


@pytest.mark.parametrize("url", ["sqlite:////tmp/loc.db", 'postgres://a@b/c"', "mysql://x/y"])
def test_the_location_database_must_be_postgresql(tmp_path: Path, url: str) -> None:
    with pytest.raises(SwitchConfigError, match="PostgreSQL"):
        render(_settings(tmp_path, switch_location_database_url=url))


def test_location_schema_is_kamailios_own_with_the_checked_version_table() -> None:
    if not location.SCHEMA_DIR.exists():
        pytest.skip("needs kamailio-postgres-modules")
    sql = location.schema_sql()
    assert "CREATE TABLE location (" in sql
    assert f"CREATE VIEW {contract.VERSION_TABLE} AS" in sql
    with pytest.raises(FileNotFoundError, match="kamailio-postgres-modules"):
        location.schema_sql(Path("/nonexistent"))
