"""Alembic environment: runs PhoneDesk's migrations on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import context

from phonedesk.db import create_db_engine
from phonedesk.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    if connection.dialect.name == "sqlite":
        # Views (the switch contract) read some tables. A batch migration rebuilds a
        # table under a temporary name and renames it back; modern SQLite refuses that
        # rename while a view names the table, the legacy rule keeps the view valid.
        connection.exec_driver_sql("PRAGMA legacy_alter_table=ON")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


run_migrations_online()
