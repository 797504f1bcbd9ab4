"""Accounts: creating a business with its primary administrator (R-AC1, R-AC2)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from phonedesk.audit import service as audit
from phonedesk.auth import setup_links
from phonedesk.config import Settings
from phonedesk.errors import Conflict, NotFound, ValidationFailed
from phonedesk.models import Account
from phonedesk.models.profile import ROLE_ADMIN
from phonedesk.profiles import service as profiles
from phonedesk.scope import Actor, Scope
from phonedesk.switch import domains
from phonedesk.text import refuse_control_characters


@dataclass
class NewAccount:
    account: Account
    primary_admin_public_id: str
    setup_url: str


def create_account(
    db: Session,
    settings: Settings,
    *,
    name: str,
    admin_first_name: str,
    admin_last_name: str,
    admin_email: str,
    admin_username: str | None = None,
    actor: Actor | None = None,
    sip_domain: str | None = None,
) -> NewAccount:
    """A new account and its primary administrator, with a setup link for the PA.

    The account gets its SIP domain (R-SW1): ``sip_domain``, or one made from its name.
    """
    clean_name = (name or "").strip()
    if not clean_name or len(clean_name) > 100:
        raise ValidationFailed("An account name is 1 to 100 characters.", field="account")
    refuse_control_characters(clean_name, label="The account name", field="account")
    if db.scalar(select(Account.id).where(func.lower(Account.name) == clean_name.lower())):
        raise Conflict(f"An account named “{clean_name}” already exists.", code="account_exists",
                       field="account")
    account = Account(name=clean_name)
    db.add(account)
    db.flush()
    sip = domains.create_for_account(db, settings, account, sip_domain)
    scope = Scope(db=db, account=account, actor=actor or Actor.system(), settings=settings)
    audit.record(scope, "account.created", target_type="account", target_id=str(account.id),
                 target_label=account.name,
                 after={"name": account.name, "sip_domain": sip.domain})
    admin = profiles.create_profile(
        scope,
        first_name=admin_first_name,
        last_name=admin_last_name,
        email=admin_email,
        username=admin_username,
    )
    admin.admin_role = ROLE_ADMIN
    account.primary_admin_id = admin.id
    db.flush()
    url = setup_links.issue_link(scope, admin)
    return NewAccount(account=account, primary_admin_public_id=admin.public_id, setup_url=url)


def get_by_name(db: Session, name: str) -> Account:
    account = db.scalar(select(Account).where(func.lower(Account.name) == name.strip().lower()))
    if account is None:
        raise NotFound(f"No account named “{name}”.", code="account_not_found")
    return account


def resolve(db: Session, name: str | None) -> Account:
    """The named account, or the only one when the installation has exactly one."""
    if name:
        return get_by_name(db, name)
    accounts = list(db.scalars(select(Account).order_by(Account.id).limit(2)))
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise NotFound("There is no account yet; create one with `phonedesk init`.",
                       code="account_not_found")
    raise ValidationFailed("This installation has several accounts; name one with --account.",
                           field="account")


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Account)) or 0
