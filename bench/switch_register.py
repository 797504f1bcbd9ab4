"""Benchmark: SIPp registering N phones against Kamailio on PhoneDesk's contract, against
the same Kamailio on its own ``subscriber`` table as the baseline, in the same run (R-SW7).

    .venv/bin/python bench/switch_register.py --extensions 10000 100000
    .venv/bin/python bench/switch_register.py --extensions 10000 100000 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench

For each N it provisions N extensions with desk phone credentials in a fresh PhoneDesk
database (SQLite in a temp dir, or a new database next to ``--database-url``) and the same
N users with the same digests in Kamailio's own schema (``/usr/share/kamailio/…``), then
runs Kamailio with ``phonedesk switch config``'s configuration, and with a stock
registrar configuration (same modules, children and registrar settings, ``auth_check`` on
``subscriber``), and lets SIPp (Debian ``sip-tester``) register every user once with digest
authentication (REGISTER, 401, REGISTER with credentials, 200). It prints registrations/s,
the p95 of SIPp's response time (first REGISTER to 200), failures, Kamailio's count of
registered users, and the ratio of PhoneDesk's rate to the baseline's. Figures are
wall-clock: run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from phonedesk.accounts import service as accounts
from phonedesk.config import Settings
from phonedesk.db import Database, normalize_url
from phonedesk.migrate import upgrade
from phonedesk.models import Extension, SipCredential, SipDomain
from phonedesk.models.switch import DEVICE
from phonedesk.switch import runner
from phonedesk.switch.config import SwitchOptions
from phonedesk.switch.credentials import digests

DOMAIN = "bench.sip.localhost"
FIRST_NUMBER = 100000
KAMAILIO_SCHEMA = Path("/usr/share/kamailio")
HERE = Path(__file__).resolve().parent
CHUNK = 5000

SCENARIO = (HERE / "switch_register.sipp.xml").read_text()  # REGISTER, 401, REGISTER, 200

# The baseline: a stock registrar on Kamailio's own schema (a str.format template).
BASELINE_CFG = (HERE / "switch_register.baseline.cfg").read_text()


@dataclass
class Result:
    label: str
    registrations: int
    seconds: float
    p95_ms: float
    failed: int
    registered: int

    @property
    def rate(self) -> float:
        return self.registrations / self.seconds if self.seconds else 0.0


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def password(number: int) -> str:
    return f"bench-password-{number}"


def users(n: int) -> Iterator[tuple[str, str]]:
    for i in range(n):
        number = FIRST_NUMBER + i
        yield str(number), password(number)


# --- the two databases ----------------------------------------------------------------


def provision_phonedesk(url: str, n: int) -> None:
    """A migrated PhoneDesk database: one account, N extensions with desk phone digests."""
    upgrade(url)
    settings = Settings(database_url=url, environment="test", secret_key="bench-secret-key")
    database = Database.from_url(url)
    with database.transaction() as db:
        created = accounts.create_account(db, settings, name="Bench", admin_first_name="Pat",
                                          admin_last_name="Admin",
                                          admin_email="pat@bench.example")
        account_id = created.account.id
        sip = db.query(SipDomain).filter_by(account_id=account_id).one()
        sip.domain = sip.realm = DOMAIN
    with database.transaction() as db:
        batch: list[tuple[str, str]] = []
        for user in users(n):
            batch.append(user)
            if len(batch) == CHUNK:
                _insert_extensions(db, account_id, batch)
                batch = []
        if batch:
            _insert_extensions(db, account_id, batch)
    database.dispose()


def _insert_extensions(db: Any, account_id: int, batch: list[tuple[str, str]]) -> None:
    db.execute(insert(Extension), [{"account_id": account_id, "number": number,
                                    "caller_id_first_name": "Bench", "caller_id_last_name": number}
                                   for number, _ in batch])
    ids = dict(db.execute(text("SELECT number, id FROM extensions WHERE account_id = :a AND "
                               "number BETWEEN :lo AND :hi"),
                          {"a": account_id, "lo": batch[0][0], "hi": batch[-1][0]}).all())
    rows = []
    for number, secret in batch:
        d = digests(number, DOMAIN, secret)
        rows.append({"account_id": account_id, "extension_id": ids[number], "kind": DEVICE,
                     "auth_username": number, "ha1": d.ha1, "ha1b": d.ha1b,
                     "ha1_sha256": d.ha1_sha256, "ha1b_sha256": d.ha1b_sha256})
    db.execute(insert(SipCredential), rows)


def _subscriber_rows(n: int) -> Iterator[tuple[str, str, str, str]]:
    for number, secret in users(n):
        d = digests(number, DOMAIN, secret)
        yield number, DOMAIN, d.ha1, d.ha1b


def provision_baseline_sqlite(path: Path, n: int) -> None:
    schema = (KAMAILIO_SCHEMA / "db_sqlite" / "standard-create.sql").read_text()
    schema += (KAMAILIO_SCHEMA / "db_sqlite" / "auth_db-create.sql").read_text()
    with sqlite3.connect(path) as conn:
        conn.executescript(schema)
        conn.executemany("INSERT INTO subscriber (username, domain, ha1, ha1b) "
                         "VALUES (?, ?, ?, ?)", _subscriber_rows(n))


def provision_baseline_postgres(url: str, n: int) -> None:
    schema = (KAMAILIO_SCHEMA / "postgres" / "standard-create.sql").read_text()
    schema += (KAMAILIO_SCHEMA / "postgres" / "auth_db-create.sql").read_text()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(schema)
        conn.execute(text("INSERT INTO subscriber (username, domain, ha1, ha1b) "
                          "VALUES (:u, :d, :h, :b)"),
                     [{"u": u, "d": d, "h": h, "b": b} for u, d, h, b in _subscriber_rows(n)])
    engine.dispose()


def analyze(url: str) -> None:
    """Planner statistics: without them PostgreSQL joins the contract's view badly."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


@contextmanager
def postgres_database(base_url: str, name: str) -> Iterator[str]:
    """A fresh database next to ``base_url``'s, dropped afterwards."""
    url = make_url(normalize_url(base_url))
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- Kamailio and SIPp ------------------------------------------------------------------


def _rpc(port: int, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params),
                       "id": 1}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/RPC", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read()).get("result")


@contextmanager
def kamailio(command: list[str], rpc_port: int, log: Path) -> Iterator[None]:
    """Kamailio in the foreground as our child, with room for 100,000 registrations."""
    with log.open("wb") as sink:
        process = subprocess.Popen([*command, "-m", "512", "-M", "32"], stdout=sink,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError("Kamailio exited:\n" + log.read_text(errors="replace")[-3000:])
            try:
                _rpc(rpc_port, "core.uptime")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("Kamailio did not answer JSON-RPC") from None
                time.sleep(0.1)
        yield
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def contract_command(url: str, run_dir: Path, sip_port: int, rpc_port: int,
                     children: int) -> list[str]:
    settings = Settings(database_url=url, environment="test", secret_key="bench-secret-key")
    options = SwitchOptions(sip_port=sip_port, rpc_port=rpc_port, children=children,
                            log_level=1)
    return runner.prepare(settings, options, run_dir)


def baseline_command(db_url: str, run_dir: Path, sip_port: int, rpc_port: int,
                     children: int) -> list[str]:
    run_dir.mkdir(parents=True, exist_ok=True)
    sqlite = db_url.startswith("sqlite:")
    cfg = run_dir / "baseline.cfg"
    cfg.write_text(BASELINE_CFG.format(
        children=children, sip_port=sip_port, rpc_port=rpc_port, db_url=db_url,
        db_module="db_sqlite" if sqlite else "db_postgres",
        sqlite_line=(f'modparam("db_sqlite", "db_set_readonly", "{db_url[len("sqlite:///"):]}")'
                     if sqlite else "")))
    binary = runner.find_kamailio("kamailio")
    return [binary, "-f", str(cfg), "-DD", "-E", "-w", str(run_dir), "-Y", str(run_dir)]


def run_sipp(run_dir: Path, sip_port: int, n: int, rate: int, limit: int) -> tuple[float, int]:
    """SIPp registers every user once; returns (seconds, failed calls)."""
    (run_dir / "register.xml").write_text(SCENARIO)
    with (run_dir / "users.csv").open("w") as out:
        out.write("SEQUENTIAL\n")
        out.writelines(f"{number};{DOMAIN};[authentication username={number} "
                       f"password={secret}]\n" for number, secret in users(n))
    command = ["sipp", f"127.0.0.1:{sip_port}", "-sf", "register.xml", "-inf", "users.csv",
               "-m", str(n), "-r", str(rate), "-l", str(limit), "-t", "u1", "-i", "127.0.0.1",
               "-p", str(free_port()), "-trace_rtt", "-rtt_freq", str(min(100, n)), "-trace_stat",
               "-stf", "stat.csv", "-fd", "3600", "-recv_timeout", "10000", "-timeout",
               "900s", "-nostdin", "-max_recv_loops", "10000"]
    started = time.monotonic()
    subprocess.run(command, cwd=run_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=1200, check=False)
    wall = time.monotonic() - started
    return _outcome(run_dir / "stat.csv", n, wall)


def _outcome(stat: Path, n: int, wall: float) -> tuple[float, int]:
    """SIPp's own elapsed time (without its start-up and reading the CSV) and failures."""
    if not stat.exists():
        return wall, n
    lines = [line.split(";") for line in stat.read_text().splitlines() if line.strip()]
    header, last = lines[0], lines[-1]
    ok = int(last[header.index("SuccessfulCall(C)")])
    elapsed = last[header.index("ElapsedTime(C)")] if "ElapsedTime(C)" in header else ""
    try:  # HH:MM:SS:micro
        h, m, sec, micro = (int(x) for x in elapsed.split(":"))
        seconds = h * 3600 + m * 60 + sec + micro / 1e6
    except ValueError:
        seconds = wall
    return seconds or wall, n - ok


def p95(run_dir: Path) -> float:
    times: list[float] = []
    for path in run_dir.glob("register_*_rtt.csv"):
        for line in path.read_text().splitlines()[1:]:
            parts = line.split(";")
            if len(parts) >= 2:
                try:
                    times.append(float(parts[1]))
                except ValueError:
                    continue
    if not times:
        return float("nan")
    times.sort()
    return times[min(len(times) - 1, int(len(times) * 0.95))]


def registered_users(rpc_port: int) -> int:
    found = _rpc(rpc_port, "stats.get_statistics", "usrloc:")
    for item in found or []:
        if str(item).startswith("usrloc:registered_users"):
            return int(str(item).rsplit("=", 1)[-1].strip())
    return -1


def measure(label: str, command_for: Any, run_dir: Path, n: int, args: argparse.Namespace
            ) -> Result:
    sip_port, rpc_port = free_port(), free_port(socket.SOCK_STREAM)
    command = command_for(run_dir, sip_port, rpc_port, args.children)
    with kamailio(command, rpc_port, run_dir / "kamailio.log"):
        seconds, failed = run_sipp(run_dir, sip_port, n, args.rate, args.limit)
        registered = registered_users(rpc_port)
    return Result(label, n, seconds, p95(run_dir), failed, registered)


# --- the run ----------------------------------------------------------------------------


@contextmanager
def databases(args: argparse.Namespace, root: Path, n: int) -> Iterator[tuple[str, str]]:
    """(PhoneDesk URL, Kamailio's own database URL in Kamailio's syntax), provisioned."""
    if not args.database_url:
        phonedesk_file, baseline_file = root / "phonedesk.db", root / "kamailio.db"
        provision_phonedesk(f"sqlite:///{phonedesk_file}", n)
        provision_baseline_sqlite(baseline_file, n)
        yield f"sqlite:///{phonedesk_file}", f"sqlite:///{baseline_file}"
        return
    base = make_url(normalize_url(args.database_url)).database or "bench"
    with postgres_database(args.database_url, f"{base}_swreg_pd") as phonedesk, \
            postgres_database(args.database_url, f"{base}_swreg_kam") as own:
        provision_phonedesk(phonedesk, n)
        provision_baseline_postgres(own, n)
        for url in (phonedesk, own):  # as autovacuum would after a bulk load
            analyze(url)
        pg = make_url(own)
        port = f":{pg.port}" if pg.port else ""
        auth = pg.username or "postgres"
        if pg.password:
            auth += f":{pg.password}"
        yield phonedesk, f"postgres://{auth}@{pg.host or '127.0.0.1'}{port}/{pg.database}"


def run_size(args: argparse.Namespace, n: int, first: str) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="switch-bench-") as tmp:
        root = Path(tmp)
        started = time.monotonic()
        with databases(args, root, n) as (phonedesk, own):
            print(f"  provisioned {n:,} extensions in {time.monotonic() - started:.1f} s",
                  flush=True)
            runs = {
                "baseline": lambda d, s, r, c: baseline_command(own, d, s, r, c),
                "phonedesk": lambda d, s, r, c: contract_command(phonedesk, d, s, r, c),
            }
            order = ["baseline", "phonedesk"] if first == "baseline" else [
                "phonedesk", "baseline"]
            return [measure(label, runs[label], root / label, n, args) for label in order]


def report(n: int, results: list[Result]) -> None:
    by = {r.label: r for r in results}
    for r in results:
        print(f"  {r.label:<9} {r.registrations:>7,} registrations in {r.seconds:6.1f} s: "
              f"{r.rate:7.0f}/s, p95 {r.p95_ms:6.2f} ms, failed {r.failed}, "
              f"Kamailio holds {r.registered:,}", flush=True)
    base, ours = by["baseline"], by["phonedesk"]
    ratio = base.rate / ours.rate if ours.rate else float("inf")
    print(f"  ratio to baseline (baseline rate / PhoneDesk rate): {ratio:.2f}x "
          f"(p95 {ours.p95_ms / base.p95_ms if base.p95_ms else float('nan'):.2f}x)",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extensions", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--database-url", help="PostgreSQL server (new databases are made "
                        "next to this one); default: SQLite files in a temp dir")
    parser.add_argument("--rate", type=int, default=5000, help="SIPp's new registrations/s cap")
    parser.add_argument("--limit", type=int, default=16, help="registrations in flight")
    parser.add_argument("--children", type=int, default=4, help="Kamailio UDP workers")
    args = parser.parse_args(argv)
    kind = "PostgreSQL" if args.database_url else "SQLite"
    print(f"switch registration benchmark on {kind} (SIPp rate cap {args.rate}/s, "
          f"{args.limit} in flight, {args.children} Kamailio workers)")
    failed = False
    for i, n in enumerate(args.extensions):
        print(f"{n:,} extensions:", flush=True)
        results = run_size(args, n, "baseline" if i % 2 == 0 else "phonedesk")
        report(n, results)
        failed = failed or any(r.failed or r.registered != n for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
