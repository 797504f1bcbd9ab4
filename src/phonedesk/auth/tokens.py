"""Per-account bearer tokens for the REST API and SCIM, stored hashed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from phonedesk.audit import service as audit
from phonedesk.auth.secrets import digest, new_secret
from phonedesk.errors import NotFound, Unauthenticated, ValidationFailed
from phonedesk.models import Account, ApiToken
from phonedesk.models.base import new_public_id, utcnow
from phonedesk.models.token import KIND_API, KIND_SCIM
from phonedesk.scope import Scope
from phonedesk.text import refuse_control_characters

_PREFIXES = {KIND_API: "pd_", KIND_SCIM: "pdscim_"}


NAME_MAX = 100


def clean_token_name(name: str, kind: str) -> str:
    """A token's name as lists show it: at most 100 characters, no control characters (R-P1);
    blank names the kind."""
    text = name.strip()
    if len(text) > NAME_MAX:
        raise ValidationFailed(f"A token name can be at most {NAME_MAX} characters.",
                               code="too_long", field="name")
    refuse_control_characters(text, label="A token name", field="name")
    return text or f"{kind.upper()} token"


def create_token(scope: Scope, *, kind: str = KIND_API, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never shown again."""
    if kind not in _PREFIXES:
        raise ValidationFailed(f"Unknown token kind “{kind}”.", field="kind")
    clean_name = clean_token_name(name, kind)
    secret = new_secret(_PREFIXES[kind])
    token = ApiToken(
        public_id=new_public_id("t"),
        account_id=scope.account_id,
        kind=kind,
        name=clean_name,
        token_hash=digest(secret),
        prefix=secret[: len(_PREFIXES[kind]) + 4],
    )
    scope.db.add(token)
    scope.db.flush()
    audit.record(
        scope,
        "token.created",
        target_type="token",
        target_id=token.public_id,
        target_label=token.name,
        after={"kind": kind, "name": token.name, "prefix": token.prefix},
    )
    return token, secret


def list_tokens(scope: Scope) -> list[ApiToken]:
    return list(
        scope.db.scalars(
            select(ApiToken)
            .where(ApiToken.account_id == scope.account_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(scope: Scope, public_id: str) -> ApiToken:
    token = scope.db.scalar(
        select(ApiToken).where(
            ApiToken.account_id == scope.account_id, ApiToken.public_id == public_id
        )
    )
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            scope,
            "token.revoked",
            target_type="token",
            target_id=token.public_id,
            target_label=token.name,
        )
    return token


def authenticate(db: Session, secret: str, *, kind: str) -> tuple[ApiToken, Account]:
    """The live token and its account for a presented secret, or :class:`Unauthenticated`."""
    row = db.execute(
        select(ApiToken, Account)
        .join(Account, Account.id == ApiToken.account_id)
        .where(ApiToken.token_hash == digest(secret), ApiToken.kind == kind)
    ).first()
    if row is None or row[0].revoked_at is not None:
        raise Unauthenticated("The token is missing, unknown or revoked.")
    return row[0], row[1]


# Noting every call would turn each API read into a write; once a minute is enough.
USE_INTERVAL = timedelta(minutes=1)


def use_is_stale(token: ApiToken, now: datetime | None = None) -> bool:
    """Whether this use should be written down (never noted, or over a minute ago)."""
    moment = now or utcnow()
    return token.last_used_at is None or token.last_used_at + USE_INTERVAL <= moment


def note_use(db: Session, token_id: int, now: datetime | None = None) -> None:
    """Record that the token was used; the interface calls it after the response, in a
    short transaction of its own, so a read request never becomes a write."""
    moment = now or utcnow()
    db.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               or_(ApiToken.last_used_at.is_(None),
                   ApiToken.last_used_at <= moment - USE_INTERVAL))
        .values(last_used_at=moment)
        .execution_options(synchronize_session=False)
    )
