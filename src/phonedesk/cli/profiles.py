"""``phonedesk profiles``: script the profile lifecycle from a shell."""

from __future__ import annotations

from typing import Annotated

import typer

from phonedesk.cli.context import unit_of_work
from phonedesk.cli.output import emit
from phonedesk.profiles import service
from phonedesk.profiles.schemas import ProfileOut
from phonedesk.scope import Scope

app = typer.Typer(help="User profiles.", no_args_is_help=True)

AccountOpt = Annotated[str | None, typer.Option("--account", help="Account name (optional "
                                                "when there is only one)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
COLUMNS = ["id", "first_name", "last_name", "email", "username", "status", "role", "extensions"]


def _one(scope: Scope, profile_id: str) -> ProfileOut:
    profile = service.get_profile(scope, profile_id)
    numbers = service.extension_numbers(scope, [profile.id])[profile.id]
    return ProfileOut.build(scope.account, profile, numbers)


@app.command("list")
def list_profiles(
    account: AccountOpt = None, q: Annotated[str | None, typer.Option(help="Search")] = None,
    limit: int = 50, offset: int = 0, as_json: JsonOpt = False,
) -> None:
    """List profiles."""
    with unit_of_work(account) as scope:
        rows, _ = service.list_profiles(scope, service.ProfileQuery(q=q, limit=limit,
                                                                   offset=offset))
        numbers = service.extension_numbers(scope, [p.id for p in rows])
        items = [ProfileOut.build(scope.account, p, numbers[p.id]) for p in rows]
    emit(items, as_json=as_json, columns=COLUMNS)


@app.command("create")
def create(
    first_name: Annotated[str, typer.Option()],
    last_name: Annotated[str, typer.Option()],
    email: Annotated[str, typer.Option()],
    username: Annotated[str | None, typer.Option(help="Defaults to the email")] = None,
    account: AccountOpt = None, as_json: JsonOpt = False,
) -> None:
    """Create a profile (sends nothing)."""
    with unit_of_work(account) as scope:
        profile = service.create_profile(scope, first_name=first_name, last_name=last_name,
                                         email=email, username=username)
        result = _one(scope, profile.public_id)
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("show")
def show(profile_id: str, account: AccountOpt = None, as_json: JsonOpt = False) -> None:
    """Show one profile by Internal ID."""
    with unit_of_work(account) as scope:
        result = _one(scope, profile_id)
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("update")
def update(
    profile_id: str,
    first_name: Annotated[str | None, typer.Option()] = None,
    last_name: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    username: Annotated[str | None, typer.Option()] = None,
    username_follows_email: Annotated[bool, typer.Option(
        help="With --email: also make the username the new email, when it was the old one "
             "(the user's sign-in name changes).")] = False,
    account: AccountOpt = None, as_json: JsonOpt = False,
) -> None:
    """Change fields of a profile; extensions follow where not edited.

    The username stays as it is unless given, or --username-follows-email (R-P2).
    """
    given = {"first_name": first_name, "last_name": last_name, "email": email,
             "username": username}
    changes = {k: v for k, v in given.items() if v is not None}
    with unit_of_work(account) as scope:
        service.update_profile(scope, profile_id, changes,
                               username_follows_email=username_follows_email)
        result = _one(scope, profile_id)
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("disable")
def disable(profile_id: str, account: AccountOpt = None, as_json: JsonOpt = False) -> None:
    """Disable: sign-in ends, extensions go to the primary administrator."""
    with unit_of_work(account) as scope:
        service.disable_profile(scope, profile_id)
        result = _one(scope, profile_id)
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("enable")
def enable(profile_id: str, account: AccountOpt = None, as_json: JsonOpt = False) -> None:
    """Enable a disabled profile."""
    with unit_of_work(account) as scope:
        service.enable_profile(scope, profile_id)
        result = _one(scope, profile_id)
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("delete")
def delete(profile_id: str, account: AccountOpt = None) -> None:
    """Delete (archive) a profile that holds no extension or admin rights."""
    with unit_of_work(account) as scope:
        service.delete_profile(scope, profile_id)
    typer.echo("Deleted.")


@app.command("role")
def role(
    profile_id: str,
    role: Annotated[str, typer.Argument(help="administrator, read_only_administrator or none")],
    account: AccountOpt = None, as_json: JsonOpt = False,
) -> None:
    """Grant, change or remove admin rights."""
    with unit_of_work(account) as scope:
        service.set_role(scope, profile_id, None if role == "none" else role)
        result = _one(scope, profile_id)
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("make-primary")
def make_primary(profile_id: str, account: AccountOpt = None, as_json: JsonOpt = False) -> None:
    """Transfer the primary administrator role to this administrator."""
    with unit_of_work(account) as scope:
        service.transfer_primary_admin(scope, profile_id)
        result = _one(scope, profile_id)
    emit(result, as_json=as_json, columns=COLUMNS)
