"""What every CLI command shares: settings, the database, error reporting.

A command is a unit of work: it opens one transaction, calls services and
commits; a domain error becomes a one-line message on stderr and exit code 1,
never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from phonedesk.accounts import service as accounts
from phonedesk.config import Settings, get_settings
from phonedesk.db import Database
from phonedesk.errors import DomainError
from phonedesk.scope import Actor, Scope

err = Console(stderr=True)
out = Console()


def settings() -> Settings:
    try:
        return get_settings()
    except ValueError as exc:  # pydantic ValidationError is a ValueError
        err.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def database(s: Settings | None = None) -> Database:
    s = s or settings()
    return Database.from_url(s.database_url, busy_timeout_ms=s.sqlite_busy_timeout_ms,
                             write_wait_seconds=s.write_wait_seconds)


@contextmanager
def reporting_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        where = f" ({exc.field})" if exc.field else ""
        # One line whatever the terminal width, so scripts can grep it.
        err.print(f"[red]Error{where}:[/red] {exc.message}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@contextmanager
def unit_of_work(account_name: str | None, *, read_only: bool = False) -> Iterator[Scope]:
    """A transaction scoped to one account, as the command-line actor (or, with
    ``read_only``, a session that never writes: an export does not queue behind writers)."""
    s = settings()
    db = database(s)
    try:
        with reporting_errors(), (db.reading() if read_only else db.transaction()) as session:
            account = accounts.resolve(session, account_name)
            yield Scope(db=session, account=account, actor=Actor.cli(), settings=s)
    finally:
        db.dispose()


@contextmanager
def session_only() -> Iterator[tuple[Session, Settings]]:
    s = settings()
    db = database(s)
    try:
        with reporting_errors(), db.transaction() as session:
            yield session, s
    finally:
        db.dispose()
