"""``phonedesk db upgrade`` and ``phonedesk init``."""

from __future__ import annotations

from typing import Annotated

import typer

from phonedesk import migrate
from phonedesk.accounts import service as accounts
from phonedesk.cli.context import out, session_only, settings
from phonedesk.scope import Actor, Scope
from phonedesk.switch import domains

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    migrate.upgrade(settings().database_url)
    out.print("Database is up to date.")


def init(
    account: Annotated[str, typer.Option("--account", help="Account (business) name")],
    admin_first_name: Annotated[str, typer.Option(help="Primary administrator's first name")],
    admin_last_name: Annotated[str, typer.Option(help="Primary administrator's last name")],
    admin_email: Annotated[str, typer.Option(help="Primary administrator's email")],
    admin_username: Annotated[
        str | None, typer.Option(help="Username (defaults to the email)")
    ] = None,
    sip_domain: Annotated[
        str | None,
        typer.Option(help="The account's SIP domain (default: <account>.<PHONEDESK_SWITCH_"
                     "DOMAIN_SUFFIX>)"),
    ] = None,
) -> None:
    """Create an account and its primary administrator; print the setup link."""
    migrate.upgrade(settings().database_url)
    with session_only() as (db, s):
        created = accounts.create_account(
            db, s, name=account, admin_first_name=admin_first_name,
            admin_last_name=admin_last_name, admin_email=admin_email,
            admin_username=admin_username, actor=Actor.cli(), sip_domain=sip_domain,
        )
        url = created.setup_url
        domain = domains.get(Scope(db=db, account=created.account, actor=Actor.cli(),
                                   settings=s)).domain
    typer.echo(f"Created account “{account}” with SIP domain {domain}. The primary "
               "administrator sets a password at:")
    typer.echo(url)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.command("init")(init)
