"""A burst of concurrent API writers against a live ``phonedesk serve`` (DESIGN §3 "Overload").

Starts ``phonedesk serve`` on 127.0.0.1 (a free port) on a fresh SQLite file, or on a
fresh PostgreSQL database created next to ``--postgres-url`` and dropped afterwards;
runs ``--writers`` concurrent writers for ``--seconds`` (creating profiles, editing
and assigning extensions, disabling profiles); then prints the count of each status,
transport errors (resets), the "database is locked" lines and tracebacks in the
server's log, p50/p99 latency, and checks the data: every 201 exists, no extension's
version ever went back, no extension is held by a disabled profile.

Exit status 0 only when every answer was below 500 or a 503 with ``Retry-After``, no
connection was reset, the log is clean and the data is consistent.

    .venv/bin/python bench/burst.py --writers 200 --seconds 60
    .venv/bin/python bench/burst.py --writers 200 --seconds 60 \\
        --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PHONEDESK = Path(sys.executable).parent / "phonedesk"
EXTENSIONS = 20
MAX_WRITERS, MAX_SECONDS = 1000, 600  # bounded: loopback only, never an open-ended run


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    transport: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    disabled: set[str] = field(default_factory=set)
    # Versions each writer saw, per extension, in the order it saw them.
    seen: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    busy_without_retry_after: int = 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _postgres_database(base: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from phonedesk.db import normalize_url

    url = make_url(normalize_url(base))
    name = f"{url.database}_burst_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with admin.connect() as conn:
        conn.execute(text(drop))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(drop))
        admin.dispose()


@contextmanager
def _server(database_url: str, workdir: Path) -> Iterator[tuple[str, str, list[str]]]:
    """``phonedesk serve``; yields (base URL, API token, the log's lines); stopped by PID."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEDESK_")}
    env.update({"PHONEDESK_DATABASE_URL": database_url, "PHONEDESK_BASE_URL": base,
                "PHONEDESK_MAIL_DIR": str(workdir / "mail"), "PYTHONUNBUFFERED": "1",
                "PHONEDESK_MESSAGE_DIR": str(workdir / "messages")})
    process = subprocess.Popen([str(PHONEDESK), "serve", "--port", str(port)], cwd=workdir,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines: list[str] = []
    assert process.stdout is not None
    threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")),  # type: ignore[union-attr]
                     daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("server exited:\n" + "".join(lines))
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        match = re.search(r"API token \(shown once\): (\S+)", "".join(lines))
        if match is None:
            raise SystemExit("no API token in the server's output:\n" + "".join(lines))
        yield base, match.group(1), lines
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


async def _call(client: httpx.AsyncClient, tally: Tally, method: str, path: str,
                **kwargs: object) -> httpx.Response | None:
    started = time.monotonic()
    try:
        response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
    except httpx.TransportError as exc:
        tally.transport[exc.__class__.__name__] += 1
        return None
    tally.latencies.append(time.monotonic() - started)
    tally.statuses[response.status_code] += 1
    if response.status_code == 503 and "retry-after" not in response.headers:
        tally.busy_without_retry_after += 1
    return response


def _note_version(tally: Tally, writer: int, response: httpx.Response | None) -> None:
    if response is not None and response.status_code == 200:
        body = response.json()
        tally.seen.setdefault((writer, body["number"]), []).append(int(body["version"]))


async def _writer(n: int, client: httpx.AsyncClient, tally: Tally, stop_at: float) -> None:
    rng = random.Random(n)
    i = 0
    while time.monotonic() < stop_at:
        i += 1
        number = str(8000 + rng.randrange(EXTENSIONS))
        roll = rng.random()
        if roll < 0.4 or not tally.created:
            r = await _call(client, tally, "POST", "/api/v1/profiles", json={
                "first_name": f"W{n}", "last_name": f"R{i}", "email": f"w{n}.r{i}@burst.example"})
            if r is not None and r.status_code == 201:
                tally.created.append(r.json()["id"])
        elif roll < 0.7:
            r = await _call(client, tally, "PATCH", f"/api/v1/extensions/{number}",
                            json={"caller_id_first_name": f"Edit {n}.{i}"})
            _note_version(tally, n, r)
        elif roll < 0.92:
            r = await _call(client, tally, "PUT", f"/api/v1/extensions/{number}/profile",
                            json={"profile_id": rng.choice(tally.created)})
            _note_version(tally, n, r)
        else:
            victim = rng.choice(tally.created)
            r = await _call(client, tally, "POST", f"/api/v1/profiles/{victim}/disable")
            if r is not None and r.status_code == 200:
                tally.disabled.add(victim)


async def _burst(base: str, token: str, writers: int, seconds: float) -> Tally:
    tally = Tally()
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=writers, max_keepalive_connections=writers)
    timeout = httpx.Timeout(120.0, connect=30.0)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=timeout) as client:
        for k in range(EXTENSIONS):
            await client.post("/api/v1/extensions", json={"number": str(8000 + k)})
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_writer(n, client, tally, stop_at) for n in range(writers)))
    return tally


def _check(base: str, token: str, tally: Tally) -> list[str]:
    """The data after the burst: what was promised is there, and nothing went back."""
    problems = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as client:
        for public_id in tally.created:
            if client.get(f"/api/v1/profiles/{public_id}").status_code != 200:
                problems.append(f"created profile {public_id} is missing")
        final = {}
        for k in range(EXTENSIONS):
            body = client.get(f"/api/v1/extensions/{8000 + k}").json()
            final[body["number"]] = body
            holder = body["profile_id"]
            if holder and client.get(f"/api/v1/profiles/{holder}").json()["status"] != "active":
                problems.append(f"extension {body['number']} is held by disabled {holder}")
        for (writer, number), versions in tally.seen.items():
            if versions != sorted(versions):
                problems.append(f"writer {writer} saw extension {number} go back: {versions}")
            if max(versions) > final[number]["version"]:
                problems.append(f"extension {number} went back below {max(versions)}")
    return problems


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def report(tally: Tally, log: list[str], problems: list[str], seconds: float) -> bool:
    total = sum(tally.statuses.values())
    print(f"requests: {total} in {seconds:.0f} s ({total / seconds:.1f}/s)")
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(tally.statuses.items())))
    resets = sum(tally.transport.values())
    print(f"resets/transport errors: {resets} {dict(tally.transport) or ''}")
    locked = sum("database is locked" in line for line in log)
    tracebacks = sum("Traceback" in line for line in log)
    print(f"log: 'database is locked' lines: {locked}, tracebacks: {tracebacks}")
    print(f"latency p50: {_percentile(tally.latencies, 0.5) * 1000:.0f} ms, "
          f"p99: {_percentile(tally.latencies, 0.99) * 1000:.0f} ms")
    print(f"503 without Retry-After: {tally.busy_without_retry_after}")
    print(f"consistency: {len(tally.created)} profiles created, {len(tally.disabled)} disabled, "
          f"{sum(len(v) for v in tally.seen.values())} versions seen: "
          + ("ok" if not problems else f"{len(problems)} problems"))
    for problem in problems[:20]:
        print("  " + problem)
    bad_5xx = sum(v for k, v in tally.statuses.items() if k >= 500 and k != 503)
    return not (bad_5xx or resets or locked or tracebacks or problems
                or tally.busy_without_retry_after)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--postgres-url", help="create a fresh database next to this one")
    args = parser.parse_args(argv)
    if not (1 <= args.writers <= MAX_WRITERS and 0 < args.seconds <= MAX_SECONDS):
        parser.error(f"--writers 1..{MAX_WRITERS}, --seconds up to {MAX_SECONDS}")
    with tempfile.TemporaryDirectory(prefix="phonedesk-burst-") as tmp:
        workdir = Path(tmp)
        database = (_postgres_database(args.postgres_url) if args.postgres_url
                    else _nothing(f"sqlite:///{workdir / 'phonedesk.db'}"))
        with database as url, _server(url, workdir) as (base, token, log):
            print(f"{args.writers} writers for {args.seconds:.0f} s on "
                  f"{'PostgreSQL' if args.postgres_url else 'SQLite'}")
            tally = asyncio.run(_burst(base, token, args.writers, args.seconds))
            problems = _check(base, token, tally)
            return 0 if report(tally, log, problems, args.seconds) else 1


@contextmanager
def _nothing(value: str) -> Iterator[str]:
    yield value


if __name__ == "__main__":
    sys.exit(main())
