"""Benchmark of the read path: lists, searches, the directory and one profile at N profiles.

    .venv/bin/python bench/read_path.py --profiles 100000 [--database-url URL]

Seeds one account with N profiles (300 of them holding extensions) straight into
the tables, serves it with ``phonedesk serve`` as shipped (its defaults, in a
process of its own on a free 127.0.0.1 port), then runs 8 concurrent clients per
request kind for a few seconds each and prints req/s, p50 and p95 per kind,
with ``/healthz`` (the floor) measured in the same run. With ``--database-url``
(PostgreSQL) a fresh database is created next to the one named and dropped at
the end; without it a SQLite file in a temporary directory is used.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from phonedesk import search
from phonedesk.accounts import service as accounts
from phonedesk.auth import sessions, tokens
from phonedesk.config import Settings
from phonedesk.db import Database, normalize_url
from phonedesk.migrate import upgrade
from phonedesk.models import Account, Extension, Profile
from phonedesk.models.base import new_public_id, utcnow
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.profiles import rules
from phonedesk.scope import Actor, Scope

FIRST = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "Zoë",
         "José", "Chloé", "Renée", "Björn", "Søren", "Ana", "María", "Jürgen", "Łukasz", "Yuki")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "García", "Miller", "Davis", "Lee",
        "Andersson", "O'Brien", "Müller", "Østergaard", "Nguyen", "Núñez", "Kowalski", "Ångström")
WITH_EXTENSIONS = 300
CLIENTS = 8


@dataclass
class Seeded:
    token: str
    cookie: str
    profile_ids: list[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _profile_rows(account_id: int, n: int, run: str) -> Iterator[dict[str, object]]:
    rng = random.Random(11)
    now = utcnow()
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        username = f"u{i}-{run}"
        yield {"public_id": new_public_id("p"), "account_id": account_id, "first_name": first,
               "last_name": last, "email": f"user{i}@bench-{run}.example", "username": username,
               "username_key": rules.username_key(username), "status": "active", "version": 1,
               "created_at": now, "updated_at": now}


def _batches(rows: Iterator[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    batch: list[dict[str, object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def seed(database: Database, settings: Settings, n: int) -> Seeded:
    """One account with N profiles, the first 300 holding extensions; a token and a session."""
    run = uuid.uuid4().hex[:6]
    with database.transaction() as db:
        created = accounts.create_account(
            db, settings, name=f"Bench {run}", admin_first_name="Pat", admin_last_name="Admin",
            admin_email="pat@bench.example", admin_username=f"pa-{run}")
        account = created.account
        scope = Scope(db=db, account=account, actor=Actor.cli(), settings=settings)
        _, secret = tokens.create_token(scope, name="bench")
        pa = db.get(Profile, account.primary_admin_id)
        assert pa is not None
        pa.password_hash = "bench: signs in by its session only"  # pages need a password set
        _, cookie = sessions.start(db, profile=pa, kind=KIND_ADMIN)
        account_id = account.id
    ids: list[str] = []
    started = utcnow()
    with database.transaction() as db:
        for batch in _batches(_profile_rows(account_id, n, run), 5000):
            db.execute(insert(Profile), batch)
            ids.extend(str(row["public_id"]) for row in batch)
        holders = db.execute(text(
            "SELECT id, first_name, last_name FROM profiles WHERE account_id = :a "
            "ORDER BY id LIMIT :n"), {"a": account_id, "n": WITH_EXTENSIONS + 1}).all()[1:]
        db.execute(insert(Extension), [
            {"account_id": account_id, "number": str(2000 + i), "profile_id": pid,
             "caller_id_first_name": first, "caller_id_last_name": last}
            for i, (pid, first, last) in enumerate(holders)])
        assert db.get(Account, account_id) is not None
        search.refresh_profiles(db, account_id, started)  # rows written around the ORM
        search.refresh_extensions(db, account_id, started)
    if not database.sqlite:  # as autovacuum would soon: the planner needs the new row counts
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return Seeded(token=secret, cookie=cookie, profile_ids=ids)


@contextmanager
def served(url: str, workdir: Path) -> Iterator[int]:
    """``phonedesk serve`` with its shipped defaults on a free port, stopped by its PID."""
    port = free_port()
    env = {**os.environ, "PHONEDESK_DATABASE_URL": url,
           "PHONEDESK_MAIL_DIR": str(workdir / "mail")}
    exe = Path(sys.executable).with_name("phonedesk")
    log = (workdir / "serve.log").open("wb")
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, cwd=workdir)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                sys.exit((workdir / "serve.log").read_text()[-3000:])
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            sys.exit("the server did not start within 60 s")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@dataclass
class Result:
    count: int
    errors: int
    seconds: float
    latencies: list[float]


def hammer(port: int, paths: list[str], headers: dict[str, str], seconds: float) -> Result:
    """8 clients on keep-alive connections, each sending the next path as soon as it can."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed, i = 0, offset
        while time.perf_counter() < stop_at:
            path = paths[i % len(paths)]
            i += CLIENTS
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            mine.append(time.perf_counter() - start)
            failed += not ok
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(len(latencies), errors[0], time.perf_counter() - started, latencies)


def kinds(seeded: Seeded, n: int) -> list[tuple[str, list[str], bool]]:
    """(label, paths, sent with the admin's cookie rather than the token) per request kind."""
    sample = random.Random(3).sample(seeded.profile_ids, min(len(seeded.profile_ids), 500))
    deep = max(0, int(n * 0.9))
    return [
        ("GET /healthz (the floor)", ["/healthz"], False),
        ("GET /api/v1/profiles/{id}", [f"/api/v1/profiles/{p}" for p in sample], False),
        ("GET /api/v1/profiles?limit=25", ["/api/v1/profiles?limit=25"], False),
        (f"GET /api/v1/profiles?limit=25&offset={deep}",
         [f"/api/v1/profiles?limit=25&offset={deep}"], False),
        ("GET /api/v1/profiles?q=smith", ["/api/v1/profiles?q=smith"], False),
        ("GET /api/v1/profiles?q=zzqx (no match)", ["/api/v1/profiles?q=zzqx"], False),
        ("GET /api/v1/profiles?q=yuki andersson", [f"/api/v1/profiles?q={quote('yuki andersson')}"],
         False),
        ("GET /api/v1/directory?q=lee", ["/api/v1/directory?q=lee"], False),
        ("GET /api/v1/extensions?q=smith", ["/api/v1/extensions?q=smith"], False),
        ("GET /admin/profiles?q=smith (page)", ["/admin/profiles?q=smith"], True),
        ("GET /healthz (again, last)", ["/healthz"], False),
    ]


@contextmanager
def database_for(url: str | None, workdir: Path) -> Iterator[str]:
    """A SQLite file in ``workdir``, or a fresh PostgreSQL database next to ``url``."""
    if url is None or url.startswith("sqlite"):
        yield url or f"sqlite:///{workdir / 'phonedesk.db'}"
        return
    base = make_url(normalize_url(url))
    name = f"{base.database}_readpath_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(label: str, result: Result) -> None:
    lat = sorted(result.latencies) or [0.0]
    p50 = statistics.median(lat) * 1000
    p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))] * 1000
    rate = result.count / result.seconds if result.seconds else 0.0
    print(f"| {label} | {rate:,.1f} | {p50:,.1f} ms | {p95:,.1f} ms | {result.errors} |",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=8.0, help="per request kind")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL URL whose server gets a fresh database (default: SQLite)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="phonedesk-readpath-"))
    try:
        with database_for(args.database_url, workdir) as url:
            settings = Settings(environment="test", secret_key="bench-secret-key",
                                database_url=url, mail_dir=workdir / "mail")
            upgrade(url)
            database = Database.from_url(url)
            start = time.perf_counter()
            seeded = seed(database, settings, args.profiles)
            seeding = time.perf_counter() - start
            backend = database.engine.dialect.name
            database.dispose()
            print(f"profiles: {args.profiles:,} (seeded in {seeding:.1f} s)  backend: {backend}  "
                  f"clients: {CLIENTS}  {args.seconds:g} s per kind  CPUs: {os.cpu_count()}")
            print("| request | req/s | p50 | p95 | errors |\n|---|---|---|---|---|")
            with served(url, workdir) as port:
                for label, paths, page in kinds(seeded, args.profiles):
                    headers = ({"Cookie": f"phonedesk_admin={seeded.cookie}"} if page
                               else {"Authorization": f"Bearer {seeded.token}"})
                    hammer(port, paths, headers, min(1.0, args.seconds))  # warm up
                    report(label, hammer(port, paths, headers, args.seconds))
            print(f"load average after the run: {os.getloadavg()[0]:.1f} "
                  "(figures are only comparable on an otherwise idle machine)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
