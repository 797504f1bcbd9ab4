"""Declarative base, constraint naming convention and shared column types."""

from __future__ import annotations

import base64
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


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id(prefix: str) -> str:
    """An opaque, unguessable identifier that spreadsheets keep as text.

    A leading letter stops Excel from reading values such as ``1e05`` as numbers;
    75 random bits make a clash negligible even across bulk imports.
    """
    # Base32 of random bytes uses exactly _ALPHABET; 15 characters carry 75 bits.
    # One urandom call instead of fifteen: bulk imports create 100,000 at a time.
    return prefix + base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:15].lower()


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
