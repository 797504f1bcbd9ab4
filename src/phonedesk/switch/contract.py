"""The switch contract: the read-only SQL views Kamailio reads (R-SW7, DESIGN §2).

Kamailio never reads PhoneDesk's tables. It reads these views, whose names carry
the contract version (``switch_v1_…``) and whose columns are pinned by a test:
a migration that changes a table underneath must keep every view answering the
same columns, or the test fails before the switch does. A change Kamailio would
notice is a new version (``switch_v2_…``) created next to this one, so a running
switch keeps working until its configuration is rendered again.

Adding a column or a row to a view is compatible; renaming, removing or changing
the meaning of one is not. The definitions below are therefore frozen: the
migration that creates them imports them, and a later version adds new ones.

On PostgreSQL the views live in their own schema, readable by one role that can
read nothing else (``ROLE`` gets ``USAGE`` on the schema and ``SELECT`` on the
views; the views read the tables with their owner's rights). On SQLite there are
no schemas: the views sit next to the tables and Kamailio opens the file
read-only.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

VERSION = 1
SCHEMA = "phonedesk_switch"  # PostgreSQL only
ROLE = "phonedesk_switch"  # PostgreSQL only: what Kamailio connects as

SUBSCRIBER = "switch_v1_subscriber"  # credentials per username@realm (auth_db)
EXTENSION = "switch_v1_extension"  # every extension, registered or not (R-SW6)
DOMAIN = "switch_v1_domain"  # the accounts' SIP domains (domain module)
DOMAIN_ATTRS = "switch_v1_domain_attrs"  # empty: the domain module requires it
VERSION_TABLE = "switch_v1_version"  # the table versions Kamailio checks at start

# The columns each view answers, in order. tests/switch/test_contract.py pins them.
COLUMNS: dict[str, tuple[str, ...]] = {
    SUBSCRIBER: (
        "id", "username", "realm", "domain", "ha1", "ha1b", "ha1_sha256", "ha1b_sha256",
        "extension", "kind", "caller_id_name", "caller_id_display", "account_id",
    ),
    EXTENSION: (
        "id", "username", "realm", "domain", "caller_id_name", "caller_id_display",
        "account_id",
    ),
    DOMAIN: ("id", "domain", "did", "last_modified"),
    DOMAIN_ATTRS: ("id", "did", "name", "type", "value", "last_modified"),
    VERSION_TABLE: ("table_name", "table_version"),
}
# What each Kamailio module expects to find in the version table (5.6 schema files).
TABLE_VERSIONS = {SUBSCRIBER: 7, EXTENSION: 7, DOMAIN: 2, DOMAIN_ATTRS: 1}

# The caller ID of R-SW4 as the holder's names make it, and the same as a SIP
# quoted-string (backslash and double quote escaped) ready for a From header.
_NAME = "TRIM(e.caller_id_first_name || ' ' || e.caller_id_last_name)"
_DISPLAY = (
    "'\"' || REPLACE(REPLACE(" + _NAME + ", '\\', '\\\\'), '\"', '\\\"') || '\"'"
)

_SUBSCRIBER_SQL = f"""
SELECT c.id AS id,
       c.auth_username AS username,
       d.realm AS realm,
       d.domain AS domain,
       c.ha1 AS ha1,
       c.ha1b AS ha1b,
       c.ha1_sha256 AS ha1_sha256,
       c.ha1b_sha256 AS ha1b_sha256,
       e.number AS extension,
       c.kind AS kind,
       {_NAME} AS caller_id_name,
       {_DISPLAY} AS caller_id_display,
       c.account_id AS account_id
FROM sip_credentials c
JOIN extensions e ON e.id = c.extension_id AND e.account_id = c.account_id
JOIN sip_domains d ON d.account_id = c.account_id
LEFT JOIN profiles p ON p.id = c.profile_id
WHERE c.kind = 'device'
   OR (c.kind = 'softphone'
       AND e.profile_id = c.profile_id
       AND e.virtual_office_enabled = TRUE
       AND p.status = 'active'
       AND p.archived_at IS NULL)
"""

_EXTENSION_SQL = f"""
SELECT e.id AS id,
       e.number AS username,
       d.realm AS realm,
       d.domain AS domain,
       {_NAME} AS caller_id_name,
       {_DISPLAY} AS caller_id_display,
       e.account_id AS account_id
FROM extensions e
JOIN sip_domains d ON d.account_id = e.account_id
"""

_DOMAIN_SQL = """
SELECT d.id AS id, d.domain AS domain, d.realm AS did, d.updated_at AS last_modified
FROM sip_domains d
"""

# The domain module will not start without this table; PhoneDesk gives domains no
# attributes, so it is empty (its columns keep the types the module expects).
_DOMAIN_ATTRS_SQL = """
SELECT d.id AS id, d.realm AS did, d.realm AS name, 0 AS type, d.realm AS value,
       d.updated_at AS last_modified
FROM sip_domains d
WHERE 1 = 0
"""

_VERSION_SQL = "\nUNION ALL\n".join(
    f"SELECT '{name}' AS table_name, {version} AS table_version"
    for name, version in TABLE_VERSIONS.items()
)

VIEWS_V1: dict[str, str] = {
    SUBSCRIBER: _SUBSCRIBER_SQL,
    EXTENSION: _EXTENSION_SQL,
    DOMAIN: _DOMAIN_SQL,
    DOMAIN_ATTRS: _DOMAIN_ATTRS_SQL,
    VERSION_TABLE: _VERSION_SQL,
}


def qualified(conn: Connection, name: str) -> str:
    """The view's name as PhoneDesk's own connection reaches it."""
    return f"{SCHEMA}.{name}" if conn.dialect.name == "postgresql" else name


def create_v1(conn: Connection) -> None:
    """Create the version 1 views (and on PostgreSQL their schema and reader role)."""
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
    for name, sql in VIEWS_V1.items():
        conn.execute(text(f"CREATE VIEW {qualified(conn, name)} AS {sql}"))
    if postgres:
        _grant_reader(conn)


def drop_v1(conn: Connection) -> None:
    postgres = conn.dialect.name == "postgresql"
    for name in reversed(list(VIEWS_V1)):
        conn.execute(text(f"DROP VIEW IF EXISTS {qualified(conn, name)}"))
    if postgres:
        conn.execute(text(_REVOKE))
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA}"))


# The role is cluster-wide while databases are not: it is created once (two
# migrations racing in two databases both succeed), never dropped by a downgrade
# (another database may use it), and it reads only what each database grants it.
# A database user without CREATEROLE still migrates; the README says how to add
# the role by hand then.
_GRANT = f"""
DO $$
BEGIN
    BEGIN
        CREATE ROLE {ROLE} LOGIN;
    EXCEPTION
        WHEN duplicate_object OR unique_violation THEN NULL;
        WHEN insufficient_privilege THEN
            RAISE NOTICE 'cannot create role {ROLE}; create it to let Kamailio read';
    END;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        EXECUTE 'GRANT USAGE ON SCHEMA {SCHEMA} TO {ROLE}';
        EXECUTE 'GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO {ROLE}';
        BEGIN
            EXECUTE format('ALTER ROLE {ROLE} IN DATABASE %I SET search_path = {SCHEMA}',
                           current_database());
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'cannot set the search_path of role {ROLE}';
        END;
    END IF;
END
$$
"""

_REVOKE = f"""
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        EXECUTE 'REVOKE ALL ON ALL TABLES IN SCHEMA {SCHEMA} FROM {ROLE}';
        EXECUTE 'REVOKE ALL ON SCHEMA {SCHEMA} FROM {ROLE}';
        BEGIN
            EXECUTE format('ALTER ROLE {ROLE} IN DATABASE %I RESET search_path',
                           current_database());
        EXCEPTION WHEN insufficient_privilege THEN NULL;
        END;
    END IF;
END
$$
"""


def _grant_reader(conn: Connection) -> None:
    conn.execute(text(_GRANT))
