"""Benchmark: registrations on PhoneDesk's Kamailio while a large CSV import is submitted.

    .venv/bin/python bench/switch_during_import.py --extensions 10000 --rows 100000
    .venv/bin/python bench/switch_during_import.py --database-url postgresql://…/bench

Provisions N extensions (as ``switch_register.py`` does), measures SIPp registering all
of them once on a quiet database, then runs the CSV import of ``--rows`` new profiles
(``import_csv.py``'s file: validate, then submit in one transaction) and keeps SIPp
registering the same N users, round after round, until the import is done. It prints the
registration rate and p95 quiet and during the import, every failed registration (a 5xx
or a lost REGISTER counts), and the import's time.
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import select

import import_csv
import switch_register as reg
from phonedesk.accounts import profile_fields
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import Account
from phonedesk.scope import Actor, Scope


def _import(url: str, rows: int, root: Path, took: dict[str, float]) -> None:
    settings = Settings(environment="test", secret_key="bench-secret-key", database_url=url,
                        import_max_rows=rows + 1, import_max_bytes=1 << 31,
                        mail_dir=root / "mail")
    database = Database.from_url(url)
    with database.transaction() as db:
        account = db.scalar(select(Account).where(Account.name == "Bench"))
        assert account is not None
        account_id = account.id
        profile_fields.update_profile_fields(  # the file's Department column
            Scope(db=db, account=account, actor=Actor.cli(), settings=settings),
            labels={1: "Department"})
    path = root / "import.csv"
    import_csv.generate(path, rows, "imp")
    started = time.monotonic()
    try:
        validate, submit, _, counts = import_csv.run_import(database, settings, account_id,
                                                            path)
    except SystemExit as exc:  # the import refused the file
        took["error"] = 1
        print(f"import failed: {exc}", file=sys.stderr)
        return
    took.update(validate=validate, submit=submit, total=time.monotonic() - started,
                new=counts["new"])
    database.dispose()


def _rounds(url: str, root: Path, n: int, args: argparse.Namespace,
            busy: threading.Thread | None) -> tuple[int, float, int, float]:
    """SIPp rounds of N registrations (one, or until ``busy`` ends)."""
    sip_port, rpc_port = reg.free_port(), reg.free_port(socket.SOCK_STREAM)
    command = reg.contract_command(url, root, sip_port, rpc_port, args.children)
    done = seconds = failed = 0
    worst_p95 = 0.0
    with reg.kamailio(command, rpc_port, root / "kamailio.log"):
        if busy is not None:
            busy.start()
        index = 0
        while True:
            run_dir = root / f"round{index}"
            run_dir.mkdir()
            took, lost = reg.run_sipp(run_dir, sip_port, n, args.rate, args.limit)
            done, seconds, failed = done + n, seconds + took, failed + lost
            worst_p95 = max(worst_p95, reg.p95(run_dir))
            index += 1
            if busy is None or not busy.is_alive():
                break
    return done, seconds, failed, worst_p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--extensions", type=int, default=10000)
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--database-url", help="PostgreSQL server; default SQLite")
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--limit", type=int, default=16)
    parser.add_argument("--children", type=int, default=4)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="switch-import-") as tmp:
        root = Path(tmp)
        args.database_url = args.database_url or None
        with reg.databases(args, root, args.extensions) as (url, _):
            quiet = _rounds(url, root / "quiet", args.extensions, args, None)
            took: dict[str, float] = {}
            worker = threading.Thread(target=_import, args=(url, args.rows, root, took))
            busy = _rounds(url, root / "busy", args.extensions, args, worker)
            worker.join()
    for label, (done, seconds, failed, p95) in (("quiet", quiet), ("during import", busy)):
        print(f"{label:<14} {done:>8,} registrations in {seconds:6.1f} s: "
              f"{done / seconds:7.0f}/s, worst p95 {p95:6.2f} ms, failed {failed}")
    print(f"import of {args.rows:,} rows: validate {took.get('validate', 0):.1f} s + submit "
          f"{took.get('submit', 0):.1f} s ({took.get('new', 0):,.0f} new profiles)")
    return 1 if quiet[2] or busy[2] or took.get("new") != args.rows else 0


if __name__ == "__main__":
    sys.exit(main())
