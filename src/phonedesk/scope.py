"""Who is acting, in which account, in which unit of work.

Every service call is scoped by account (R-AC1) and carries its actor so that the
audit log (R-AU1) can say who did what without each interface repeating it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.errors import NotFound
from phonedesk.models import Account, Profile


@dataclass(frozen=True)
class Actor:
    """The author of a change, as the audit log shows it."""

    kind: str  # profile, api_token, scim, cli, system
    id: str | None
    label: str

    @classmethod
    def system(cls) -> Actor:
        return cls(kind="system", id=None, label="PhoneDesk")

    @classmethod
    def cli(cls) -> Actor:
        return cls(kind="cli", id=None, label="Command line")

    @classmethod
    def of_profile(cls, profile: Profile) -> Actor:
        """A person acting for themselves: signed in, or using their setup link."""
        return cls(kind="profile", id=profile.public_id, label=profile.display_name)


@dataclass
class Scope:
    """One account, one actor, one database session (owned by the caller)."""

    db: Session
    account: Account
    actor: Actor
    settings: Settings

    @property
    def account_id(self) -> int:
        return self.account.id


@contextmanager
def read_only(
    database: Database, *, account_id: int, actor: Actor, settings: Settings
) -> Iterator[Scope]:
    """A read-only scope with a session of its own.

    A streamed response is sent after its request's session has closed, so an
    export reads through one of these, for as long as it streams.
    """
    with database.reading() as db:
        account = db.get(Account, account_id)
        if account is None:  # pragma: no cover - the caller just authenticated it
            raise NotFound("No such account.", code="account_not_found")
        yield Scope(db=db, account=account, actor=actor, settings=settings)
