"""Account settings (R-AU1): the account's name (emails say it), its time zone (the pages
show every time in it) and its SIP domain (through :mod:`phonedesk.switch.domains`).

One call for the page, the API and any other interface: every value is checked before
anything changes, so a bad time zone never half-applies a new name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, select

from phonedesk.audit import service as audit
from phonedesk.errors import Conflict, DomainError, PermissionDenied, ValidationFailed, raise_all
from phonedesk.models import Account, Profile
from phonedesk.scope import Scope
from phonedesk.switch import domains
from phonedesk.text import refuse_control_characters

NAME_MAX = 100


@dataclass(frozen=True)
class AccountSettings:
    name: str
    time_zone: str
    sip_domain: str


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    """Every IANA zone name this system knows, sorted (for the page's list)."""
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def get_settings(scope: Scope) -> AccountSettings:
    return AccountSettings(name=scope.account.name, time_zone=scope.account.time_zone or "UTC",
                           sip_domain=domains.get(scope).domain)


def clean_time_zone(value: str | None) -> str:
    """An IANA name such as Europe/Paris, exactly as zoneinfo lists it (never a file path)."""
    text = (value or "").strip()
    if text in _known_zones():
        return text
    raise ValidationFailed(f"“{text[:64]}” is not a time zone; choose one from the list, such "
                           "as Europe/Paris or America/New_York.", code="invalid_time_zone",
                           field="time_zone")


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}  # UTC even without a tz database


def _clean_name(scope: Scope, value: str) -> str:
    text = value.strip()
    if not text or len(text) > NAME_MAX:
        raise ValidationFailed(f"An account name is 1 to {NAME_MAX} characters.",
                               code="invalid_account_name", field="name")
    refuse_control_characters(text, label="The account name", field="name")
    taken = scope.db.scalar(select(Account.id).where(func.lower(Account.name) == text.lower(),
                                                     Account.id != scope.account_id))
    if taken:
        raise Conflict(f"Another account is already named “{text}”.", code="account_exists",
                       field="name")
    return text


def _check_primary(scope: Scope) -> None:
    """The primary administrator (or an operator's API token) changes account settings."""
    if scope.actor.kind != "profile":
        return
    me = scope.db.scalar(select(Profile.id).where(Profile.public_id == scope.actor.id))
    if me is None or me != scope.account.primary_admin_id:
        raise PermissionDenied("Only the primary administrator can change account settings.",
                               code="primary_admin_only")


def _checked(found: list[DomainError], clean: Callable[..., str], *args: Any) -> str | None:
    """``clean(*args)``, or None with its error added to ``found``."""
    try:
        return clean(*args)
    except DomainError as error:
        found.append(error)
        return None


def update_settings(scope: Scope, *, name: str | None = None, time_zone: str | None = None,
                    sip_domain: str | None = None) -> AccountSettings:
    """Change what is given (``None`` keeps it); audited as one event, the domain as its own."""
    _check_primary(scope)
    account = scope.account
    found: list[DomainError] = []  # every bad value is reported at once, for the form
    new_name = account.name if name is None else _checked(found, _clean_name, scope, name)
    new_zone = (account.time_zone if time_zone is None
                else _checked(found, clean_time_zone, time_zone))
    if sip_domain is not None:
        _checked(found, domains.clean_domain, sip_domain)
    raise_all(found)
    assert new_name is not None and new_zone is not None
    before = {"name": account.name, "time_zone": account.time_zone}
    after = {"name": new_name, "time_zone": new_zone}
    if sip_domain is not None:
        domains.change_domain(scope, sip_domain)  # checks and audits the domain itself
    old, new = audit.diff(before, after)
    if new:
        account.name, account.time_zone = new_name, new_zone
        scope.db.flush()
        audit.record(scope, "settings.account_updated", target_type="account",
                     target_id=str(account.id), target_label=new_name, before=old, after=new)
    return get_settings(scope)
