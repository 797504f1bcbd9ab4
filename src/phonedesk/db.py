"""Engine and session factories.

SQLite is made safe for a multi-threaded web server here, once, for every
connection: WAL so readers never block the writer, a ``busy_timeout`` so a second
writer waits instead of failing with "database is locked", foreign keys on, and
write transactions opened with ``BEGIN IMMEDIATE`` so that two writers cannot both
read and then deadlock on lock upgrade. Read-only work uses a plain deferred
``BEGIN`` so it never queues behind a writer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio
from anyio import to_thread
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from phonedesk.errors import Busy
from phonedesk.write_lane import WriteLane

_BEGIN_OPTION = "phonedesk_sqlite_begin"
# Connections beyond the server's worker threads: the outbox thread, streamed exports
# (which read on a session of their own after the request's closed), the CLI.
POOL_MARGIN = 8


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def _pool_options(url: str, pool_size: int | None, pool_timeout: float) -> dict[str, Any]:
    """A pool as large as the threads that use it, so a thread never waits for a connection
    (an in-memory SQLite database has a pool of its own kind and is left alone)."""
    if pool_size is None or make_url(url).database in (None, "", ":memory:"):
        return {}
    return {"pool_size": pool_size + POOL_MARGIN, "max_overflow": 0,
            "pool_timeout": pool_timeout}


def create_db_engine(url: str, *, busy_timeout_ms: int = 15_000, echo: bool = False,
                     pool_size: int | None = None, pool_timeout: float = 30.0) -> Engine:
    """Create an engine configured for PhoneDesk's concurrency rules."""
    url = normalize_url(url)
    pool = _pool_options(url, pool_size, pool_timeout)
    if not is_sqlite(url):
        return create_engine(url, echo=echo, pool_pre_ping=True, future=True, **pool)

    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        **pool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """The engine plus the two kinds of session PhoneDesk opens."""

    def __init__(self, engine: Engine, *, write_wait_seconds: float = 10.0) -> None:
        self.engine = engine
        self.sqlite = is_sqlite(engine)
        # SQLite: one writer lane per process (see phonedesk.write_lane); PostgreSQL
        # lets writers run concurrently.
        self.lane = WriteLane() if self.sqlite else None
        self.write_wait_seconds = write_wait_seconds
        # Writers waiting for their turn wait in threads of their own, never in the
        # handler threads: the writer whose turn it is must always find one free.
        self._waiters = anyio.CapacityLimiter(2000)
        write_bind = (
            engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"}) if self.sqlite else engine
        )
        self._read = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False, autoflush=True)

    @classmethod
    def from_url(cls, url: str, *, busy_timeout_ms: int = 15_000,
                 write_wait_seconds: float = 10.0, pool_size: int | None = None) -> Database:
        engine = create_db_engine(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size,
                                  pool_timeout=write_wait_seconds)
        return cls(engine, write_wait_seconds=write_wait_seconds)

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Wait for this process's write turn (SQLite), at most ``write_wait_seconds``.

        Not re-entrant by thread: a request's write session is opened in one pool
        thread, which may serve another request's before this one closes.
        """
        if self.lane is None:
            yield  # PostgreSQL runs writers concurrently
            return
        if not self.lane.acquire(self.write_wait_seconds):
            raise Busy("Many changes are being saved right now; try again in a moment.")
        try:
            yield
        finally:
            self.lane.release()

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """:meth:`_turn` for async code (a request's write session): the wait holds no
        handler thread, and a client that leaves while waiting cannot strand the lane."""
        if self.lane is None:
            yield
            return
        with anyio.CancelScope(shield=True):
            got = await to_thread.run_sync(self.lane.acquire, self.write_wait_seconds,
                                           limiter=self._waiters)
        if not got:
            raise Busy("Many changes are being saved right now; try again in a moment.")
        try:
            yield
        finally:
            self.lane.release()

    def read_session(self) -> Session:
        return self._read()

    def write_session(self) -> Session:
        return self._write()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write unit of work: commit on success, roll back on any error.

        Interfaces (a request, a CLI command, a worker step) own the transaction;
        services only flush. On SQLite it first waits for the process's write turn.
        """
        with self._turn():
            session = self.write_session()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        session = self.read_session()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
