"""search and sort keys: folded columns, one index per sort key, substring search indexes

Revision ID: 0401_search
Revises: 0201_switch
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from phonedesk.models.search_keys import extension_key, profile_keys

revision = "0401_search"
down_revision = "0201_switch"
branch_labels = None
depends_on = None

PROFILE_KEYS = ("search_text", "sort_first", "sort_last", "sort_email", "sort_username")
SORT_INDEXES = {
    "ix_profiles_sort_last": ["account_id", "sort_last", "sort_first", "id", "archived_at"],
    "ix_profiles_sort_first": ["account_id", "sort_first", "sort_last", "id", "archived_at"],
    "ix_profiles_sort_email": ["account_id", "sort_email", "id", "archived_at"],
    "ix_profiles_sort_username": ["account_id", "sort_username", "id", "archived_at"],
    "ix_profiles_sort_status": ["account_id", "status", "id", "archived_at"],
    "ix_profiles_sort_created": ["account_id", "created_at", "id", "archived_at"],
}
# SQLite: an external-content FTS5 table with the trigram tokenizer, kept by triggers.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE profiles_fts USING fts5(search_text, content='profiles', "
    "content_rowid='id', tokenize='trigram case_sensitive 1')",
    "CREATE TRIGGER profiles_fts_insert AFTER INSERT ON profiles BEGIN "
    "INSERT INTO profiles_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER profiles_fts_delete AFTER DELETE ON profiles BEGIN "
    "INSERT INTO profiles_fts(profiles_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER profiles_fts_update AFTER UPDATE OF search_text ON profiles BEGIN "
    "INSERT INTO profiles_fts(profiles_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO profiles_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def _folded() -> sa.types.TypeEngine[str]:
    return sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def _backfill(conn: sa.Connection) -> None:
    rows = conn.execute(sa.text(
        "SELECT id, first_name, last_name, email, username FROM profiles")).all()
    if rows:
        conn.execute(
            sa.text("UPDATE profiles SET search_text = :search_text, sort_first = :sort_first, "
                    "sort_last = :sort_last, sort_email = :sort_email, "
                    "sort_username = :sort_username WHERE id = :id"),
            [{"id": r[0], **profile_keys(r[1], r[2], r[3], r[4])} for r in rows])
    exts = conn.execute(sa.text(
        "SELECT id, number, caller_id_first_name, caller_id_last_name FROM extensions")).all()
    if exts:
        conn.execute(sa.text("UPDATE extensions SET search_text = :t WHERE id = :id"),
                     [{"id": r[0], "t": extension_key(r[1], r[2], r[3])} for r in exts])


def upgrade() -> None:
    for name in PROFILE_KEYS:
        op.add_column("profiles", sa.Column(name, _folded(), nullable=False,
                                            server_default=sa.text("''")))
    op.add_column("extensions", sa.Column("search_text", _folded(), nullable=False,
                                          server_default=sa.text("''")))
    conn = op.get_bind()
    _backfill(conn)
    live = sa.text("archived_at IS NULL")
    for name, columns in SORT_INDEXES.items():
        op.create_index(name, "profiles", columns, sqlite_where=live, postgresql_where=live)
    if conn.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO profiles_fts(profiles_fts) VALUES ('rebuild')")
    else:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index("ix_profiles_search_trgm", "profiles", ["search_text"],
                        postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"})


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for trigger in ("profiles_fts_insert", "profiles_fts_delete", "profiles_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS profiles_fts")
    else:
        op.drop_index("ix_profiles_search_trgm", table_name="profiles")
    for name in SORT_INDEXES:
        op.drop_index(name, table_name="profiles")
    with op.batch_alter_table("extensions") as batch:
        batch.drop_column("search_text")
    with op.batch_alter_table("profiles") as batch:
        for name in PROFILE_KEYS:
            batch.drop_column(name)
