"""Kamailio's own database for registrations, shared by several instances (R-SW7).

One machine keeps registrations in Kamailio's memory. To run two or more Kamailio
instances (each reading the same contract), registrations go to a PostgreSQL
database of Kamailio's own — not PhoneDesk's: Kamailio writes there, and PhoneDesk
never reads or writes it — with usrloc in DB-only mode, so every instance finds
every phone. The schema is Kamailio's own (Debian's ``usrloc`` files), plus the
version table under the name the rendered configuration checks.
"""

from __future__ import annotations

from pathlib import Path

from phonedesk.switch import contract

SCHEMA_DIR = Path("/usr/share/kamailio/postgres")  # kamailio-postgres-modules' schema files
FILES = ("standard-create.sql", "usrloc-create.sql")


def schema_sql(schema_dir: Path = SCHEMA_DIR) -> str:
    """The SQL that makes an empty PostgreSQL database Kamailio's location database."""
    parts = []
    for name in FILES:
        path = schema_dir / name
        if not path.exists():
            raise FileNotFoundError(f"{path} is missing: apt-get install kamailio-postgres-modules")
        parts.append(path.read_text())
    # The configuration names its version table after the contract; here it is Kamailio's.
    parts.append(f"CREATE VIEW {contract.VERSION_TABLE} AS "
                 "SELECT table_name, table_version FROM version;\n")
    return "\n".join(parts)
