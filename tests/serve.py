"""A real ``phonedesk serve`` process for tests that need HTTP, logs and a socket."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from phonedesk.db import normalize_url
from tests.conftest import PG_ENV

PHONEDESK = Path(sys.executable).parent / "phonedesk"
STARTUP_LIMIT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    process: subprocess.Popen[str]
    output: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.output)

    def token(self) -> str:
        match = re.search(r"API token \(shown once\): (\S+)", self.text)
        assert match, self.text
        return match.group(1)


def pump(stream: object, sink: list[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        sink.append(line)


def fresh_postgres_database() -> Iterator[str]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    url = make_url(normalize_url(base))
    name = f"{url.database}_serve_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    statements = [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"']
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(statements[0]))
        admin.dispose()


def serve(workdir: Path, database_url: str, **settings: str) -> Iterator[Server]:
    """``phonedesk serve`` on 127.0.0.1 and a free port, with ``PHONEDESK_<NAME>`` settings;
    stopped by its PID when the generator closes."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEDESK_")}
    env.update({
        "PHONEDESK_DATABASE_URL": database_url,
        "PHONEDESK_BASE_URL": base,
        "PHONEDESK_MAIL_DIR": str(workdir / "mail"),
        "PHONEDESK_MESSAGE_DIR": str(workdir / "messages"),
        "PYTHONUNBUFFERED": "1",
    })
    env.update({f"PHONEDESK_{name.upper()}": value for name, value in settings.items()})
    process = subprocess.Popen(
        [str(PHONEDESK), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    server = Server(base=base, process=process)
    threading.Thread(target=pump, args=(process.stdout, server.output), daemon=True).start()
    try:
        for _ in range(STARTUP_LIMIT_S * 10):
            assert process.poll() is None, server.text
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail(f"server did not start:\n{server.text}")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
