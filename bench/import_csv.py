"""Benchmark of the CSV import (R-C3) against a bare baseline run in the same process.

    .venv/bin/python bench/import_csv.py --rows 100000 [--database-url URL]

Generates N realistic rows, then times PhoneDesk's import in two passes — N new
profiles, then an update pass in which every row changes — each split into
validate (upload into the staging table) and submit, with the per-profile
audit events. Each pass has its own bare baseline: the same file read with the
stdlib ``csv`` module into an equivalent table (same columns and indexes as
``profiles``) with ``sqlite3.executemany`` or ``COPY`` on PostgreSQL, then the
same rows updated with ``executemany`` on SQLite, or ``COPY`` into a temporary
table and one ``UPDATE … FROM`` on PostgreSQL. Prints seconds, rows/s, each
pass's ratio to its baseline and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

from phonedesk.accounts import profile_fields
from phonedesk.accounts import service as accounts
from phonedesk.bulk import service as bulk
from phonedesk.config import Settings
from phonedesk.db import Database, normalize_url
from phonedesk.migrate import upgrade
from phonedesk.models import Account
from phonedesk.scope import Actor, Scope

FIRST = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy", "Matthew", "Betty",
    "Anthony", "Sandra", "Mark", "Margaret", "Zoë", "José", "Chloé", "Renée", "Björn", "Søren",
    "Ana", "María", "Jürgen", "Amélie", "François", "Łukasz", "Ayşe", "Nuño"
)
LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "O'Brien", "Müller", "Østergaard", "Nguyen", "Núñez", "Kowalski", "D'Angelo", "Van der Berg"
)
DEPARTMENTS = ["Sales", "Support", "Engineering", "Finance", "Front Desk", "Warehouse",
               "Marketing", "Legal", "HR", "Operations, North", "Operations, South"]
DOMAINS = ["acme-corp.com", "eu.acme-corp.com", "acme-logistics.net"]
HEADER = ["Internal ID", "First Name", "Last Name", "Email Address", "Username", "Department"]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ascii(text: str) -> str:
    table = str.maketrans("ëéèçøüñłşåöíáú'", "eeecounlsaoiau-")
    return text.lower().translate(table).replace(" ", "")


def generate(path: Path, rows: int, run: str, seed: int = 7) -> None:
    """N new-profile rows, written as a stream (UTF-8 with BOM, CRLF, like Excel)."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER)
        for i in range(rows):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            local = f"{_ascii(first)}.{_ascii(last)}.{i}"
            email = f"{local}@{rng.choice(DOMAINS)}"
            username = f"{run}{i}.{_ascii(last)}"[:30]
            writer.writerow(["", first, last, email, username, rng.choice(DEPARTMENTS)])


def changed_copy(source: Path, target: Path) -> None:
    """The export with every row changed (last name and department)."""
    with source.open(encoding="utf-8-sig", newline="") as src, \
            target.open("w", encoding="utf-8-sig", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\r\n")
        writer.writerow(next(reader))
        for row in reader:
            row[2] = row[2] + "-Hill"
            row[5] = "Moved " + row[5]
            writer.writerow(row)


# --- baseline ----------------------------------------------------------------

BASELINE_DDL = [
    "CREATE TABLE baseline_profiles (id INTEGER PRIMARY KEY, public_id VARCHAR(20) UNIQUE, "
    "account_id INTEGER, first_name VARCHAR(50), last_name VARCHAR(50), email VARCHAR(254), "
    "username VARCHAR(30), username_key VARCHAR(120) UNIQUE, custom_field_1 VARCHAR(100), "
    "custom_field_2 VARCHAR(100), custom_field_3 VARCHAR(100), status VARCHAR(10), "
    "version INTEGER, created_at TIMESTAMP, updated_at TIMESTAMP)",
    "CREATE INDEX ix_bp_account ON baseline_profiles (account_id)",
    "CREATE INDEX ix_bp_name ON baseline_profiles (account_id, last_name, first_name)",
    "CREATE INDEX ix_bp_email ON baseline_profiles (account_id, email)",
]


def _baseline_rows(path: Path) -> Iterator[tuple[str, ...]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        for n, row in enumerate(reader):
            yield (f"b{n}", row[1], row[2], row[3], row[4], row[4].lower(), row[5])


def _baseline_changes(path: Path) -> Iterator[tuple[str, ...]]:
    """The update pass's changes (as :func:`changed_copy` makes them), keyed by Internal ID."""
    for row in _baseline_rows(path):
        yield (row[2] + "-Hill", "Moved " + row[6], row[0])


Timing = tuple[float, float]  # wall, CPU seconds


def _timed(start: float, cpu: float) -> Timing:
    return time.perf_counter() - start, time.process_time() - cpu


def baseline_sqlite(path: Path, workdir: Path) -> tuple[Timing, Timing]:
    """(insert, update) of the same rows into a bare table, with the stdlib only."""
    db = sqlite3.connect(workdir / "baseline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    for ddl in BASELINE_DDL:
        db.execute(ddl)
    start, cpu = time.perf_counter(), time.process_time()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO baseline_profiles (public_id, account_id, first_name, last_name, email, "
        "username, username_key, custom_field_1, status, version, created_at, updated_at) "
        "VALUES (?, 1, ?, ?, ?, ?, ?, ?, 'active', 1, '2026-01-01', '2026-01-01')",
        _baseline_rows(path),
    )
    db.execute("COMMIT")
    inserted = _timed(start, cpu)
    start, cpu = time.perf_counter(), time.process_time()
    db.execute("BEGIN")
    db.executemany(
        "UPDATE baseline_profiles SET last_name = ?, custom_field_1 = ?, version = version + 1, "
        "updated_at = '2026-01-02' WHERE public_id = ?",
        _baseline_changes(path),
    )
    db.execute("COMMIT")
    updated = _timed(start, cpu)
    db.close()
    return inserted, updated


def baseline_postgres(path: Path, url: str) -> tuple[Timing, Timing]:
    """(insert, update): ``COPY``, then ``COPY`` to a temporary table and ``UPDATE … FROM``."""
    import psycopg

    conninfo = make_url(normalize_url(url)).set(drivername="postgresql").render_as_string(
        hide_password=False)
    with psycopg.connect(conninfo) as conn:
        conn.execute("DROP TABLE IF EXISTS baseline_profiles")
        for ddl in BASELINE_DDL:
            conn.execute(ddl.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY"))
        conn.commit()
        start, cpu = time.perf_counter(), time.process_time()
        with conn.cursor() as cur, cur.copy(
            "COPY baseline_profiles (public_id, first_name, last_name, email, username, "
            "username_key, custom_field_1) FROM STDIN"
        ) as copy:
            for row in _baseline_rows(path):
                copy.write_row(row)
        conn.commit()
        inserted = _timed(start, cpu)
        start, cpu = time.perf_counter(), time.process_time()
        conn.execute("CREATE TEMPORARY TABLE baseline_changes (last_name TEXT, "
                     "custom_field_1 TEXT, public_id TEXT) ON COMMIT DROP")
        with conn.cursor() as cur, cur.copy("COPY baseline_changes FROM STDIN") as copy:
            for change in _baseline_changes(path):
                copy.write_row(change)
        conn.execute(
            "UPDATE baseline_profiles AS p SET last_name = c.last_name, "
            "custom_field_1 = c.custom_field_1, version = p.version + 1, updated_at = now() "
            "FROM baseline_changes AS c WHERE p.public_id = c.public_id")
        conn.commit()
        updated = _timed(start, cpu)
        conn.execute("DROP TABLE baseline_profiles")
        conn.commit()
    return inserted, updated


# --- PhoneDesk ---------------------------------------------------------------


@contextmanager
def scope_of(database: Database, settings: Settings, account_id: int, *,
             write: bool = True) -> Iterator[Scope]:
    with database.transaction() if write else database.reading() as db:
        account = db.get(Account, account_id)
        assert account is not None
        yield Scope(db=db, account=account, actor=Actor.cli(), settings=settings)


def run_import(database: Database, settings: Settings, account_id: int,
               path: Path) -> tuple[float, float, float, dict[str, int]]:
    """Validate, then submit: (validate s, submit s, CPU s of both, counts)."""
    cpu = time.process_time()
    start = time.perf_counter()
    # As the interfaces do it: validation on a read session, staging in short writes.
    with scope_of(database, settings, account_id, write=False) as scope, \
            path.open("rb") as fh:
        batch = bulk.upload(scope, fh, path.name, database=database)
        import_id, status = batch.public_id, batch.status
        counts = bulk.counts(batch)
    validate = time.perf_counter() - start
    if status != "validated":
        with scope_of(database, settings, account_id) as scope:
            errors = list(bulk.all_errors(scope, bulk.get_import(scope, import_id)))[:5]
        sys.exit(f"benchmark file was rejected: {errors}")
    start = time.perf_counter()
    with scope_of(database, settings, account_id) as scope:
        bulk.submit(scope, import_id)
    return validate, time.perf_counter() - start, time.process_time() - cpu, counts


def report(n: int, size_mb: float, backend: str, baselines: tuple[Timing, Timing],
           names: tuple[str, str], runs: tuple[tuple[float, float, float], ...],
           export_s: float, rss_before: float) -> None:
    """Each pass against its own baseline, then the export, peak RSS and machine load."""
    print(f"rows: {n:,}  file: {size_mb:.1f} MB  backend: {backend}  "
          "(per-profile audit events included)")
    passes = [(name, *run) for name, run in zip(("new rows", "update pass"), runs, strict=True)]
    for (name, v, s, cpu), (base_wall, base_cpu), base_name in zip(passes, baselines, names,
                                                                    strict=True):
        total = v + s
        print(f"{name:12}: baseline ({base_name}): {base_wall:.2f} s  "
              f"{n / base_wall:,.0f} rows/s  (CPU {base_cpu:.2f} s)")
        print(f"{'':12}  validate {v:.2f} s + submit {s:.2f} s = {total:.2f} s  "
              f"{n / total:,.0f} rows/s  ratio to baseline {total / base_wall:.2f}x  "
              f"(CPU {cpu:.2f} s, ratio {cpu / base_cpu:.2f}x)")
    print(f"export: {export_s:.2f} s  {n / export_s:,.0f} rows/s")
    print(f"peak RSS: {peak_rss_mib():.0f} MiB (before importing: {rss_before:.0f} MiB)")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(figures are only comparable on an otherwise idle machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL or SQLite URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="phonedesk-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'phonedesk.db'}"
    run = uuid.uuid4().hex[:6]
    settings = Settings(environment="test", secret_key="bench-secret-key", database_url=url,
                        import_max_rows=max(args.rows + 1, 250_000),
                        import_max_bytes=1 << 31, mail_dir=workdir / "mail")
    upgrade(url)
    database = Database.from_url(url)
    with database.transaction() as db:
        created = accounts.create_account(
            db, settings, name=f"Bench {run}", admin_first_name="Pat",
            admin_last_name="Admin", admin_email="pat@acme-corp.com",
            admin_username=f"pa-{run}")
        account_id = created.account.id
        profile_fields.update_profile_fields(
            Scope(db=db, account=created.account, actor=Actor.cli(), settings=settings),
            labels={1: "Department"})

    new_file = workdir / "new.csv"
    generate(new_file, args.rows, run)
    size_mb = new_file.stat().st_size / 1e6
    if database.sqlite:
        baselines = baseline_sqlite(new_file, workdir)
        names = ("csv + sqlite3.executemany INSERT", "csv + sqlite3.executemany UPDATE")
    else:
        baselines = baseline_postgres(new_file, url)
        names = ("csv + COPY", "csv + COPY + UPDATE … FROM")

    rss_before = peak_rss_mib()
    v1, s1, cpu1, c1 = run_import(database, settings, account_id, new_file)
    export_file, update_file = workdir / "export.csv", workdir / "update.csv"
    with scope_of(database, settings, account_id) as scope, export_file.open("wb") as fh:
        start = time.perf_counter()
        for chunk in bulk.write_csv(scope):
            fh.write(chunk)
        export_s = time.perf_counter() - start
    changed_copy(export_file, update_file)
    v2, s2, cpu2, c2 = run_import(database, settings, account_id, update_file)
    assert c1["new"] == args.rows and c2["changed"] == args.rows + 1, (c1, c2)  # + the PA
    database.dispose()
    shutil.rmtree(workdir, ignore_errors=True)

    report(args.rows, size_mb, database.engine.dialect.name, baselines, names,
           ((v1, s1, cpu1), (v2, s2, cpu2)), export_s, rss_before)


if __name__ == "__main__":
    main()
