"""``phonedesk tokens``: API and SCIM bearer tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from phonedesk.auth import tokens as service
from phonedesk.cli.context import out, unit_of_work
from phonedesk.models.token import KIND_API, KIND_SCIM

app = typer.Typer(help="API and SCIM tokens.", no_args_is_help=True)

AccountOpt = Annotated[str | None, typer.Option("--account", help="Account name (optional "
                                                "when there is only one)")]


@app.command("create")
def create(
    account: AccountOpt = None,
    scim: Annotated[bool, typer.Option("--scim", help="A SCIM token instead of an API one")]
    = False,
    name: Annotated[str, typer.Option(help="A label to recognise the token by")] = "",
) -> None:
    """Create a token and print it alone on stdout (it is not shown again)."""
    with unit_of_work(account) as scope:
        _, secret = service.create_token(scope, kind=KIND_SCIM if scim else KIND_API, name=name)
    typer.echo(secret)


@app.command("list")
def list_tokens(account: AccountOpt = None) -> None:
    """List tokens (never their secrets)."""
    with unit_of_work(account) as scope:
        for t in service.list_tokens(scope):
            state = "revoked" if t.revoked_at else "active"
            out.print(f"{t.public_id}\t{t.kind}\t{t.prefix}…\t{state}\t{t.name}", highlight=False)


@app.command("revoke")
def revoke(token_id: str, account: AccountOpt = None) -> None:
    """Revoke a token by its id (from `tokens list`)."""
    with unit_of_work(account) as scope:
        service.revoke_token(scope, token_id)
    out.print("Revoked.")
