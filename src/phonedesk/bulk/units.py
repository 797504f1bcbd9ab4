"""Where an upload reads and writes: short transactions of its own, or the caller's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from phonedesk.db import Database
from phonedesk.scope import Scope


@dataclass(frozen=True)
class Units:
    """Where an upload reads and writes.

    With a :class:`Database`, every write is a short transaction of its own and
    every read a fresh snapshot (one that sees what was just committed): the
    write lock is taken for one batch at a time, never for the whole file.
    Without one, everything runs in the caller's session (its transaction).
    """

    scope: Scope
    database: Database | None = None

    @contextmanager
    def write(self) -> Iterator[Session]:
        if self.database is None:
            yield self.scope.db
            self.scope.db.flush()
            return
        with self.database.transaction() as db:
            yield db

    @contextmanager
    def read(self) -> Iterator[Session]:
        if self.database is None:
            yield self.scope.db
            return
        with self.database.reading() as db:
            yield db


