"""Declarative base, constraint naming convention and shared column types."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_ID_TABLE = bytes(ord(_ALPHABET[b % 32]) for b in range(256))


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id(prefix: str) -> str:
    """An opaque, unguessable identifier that spreadsheets keep as text.

    A leading letter stops Excel from reading values such as ``1e05`` as numbers;
    75 random bits make a clash negligible even across bulk imports.
    """
    # Each random byte picks one of 32 letters evenly (256 = 8 x 32): 15 carry 75
    # bits. One urandom call and one translate, since imports make 100,000 at once.
    return prefix + secrets.token_bytes(15).translate(_ID_TABLE).decode("ascii")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
