"""``phonedesk extensions``: create, edit, assign and remove from a shell."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from phonedesk.cli.context import unit_of_work
from phonedesk.cli.output import emit
from phonedesk.extensions import lifecycle, service
from phonedesk.extensions.schemas import ExtensionCreated, ExtensionOut
from phonedesk.models import Extension
from phonedesk.scope import Scope
from phonedesk.switch.schemas import SipCredentialOut

app = typer.Typer(help="Phone extensions.", no_args_is_help=True)

AccountOpt = Annotated[str | None, typer.Option("--account", help="Account name (optional "
                                                "when there is only one)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON")]
COLUMNS = ["number", "profile_id", "caller_id_first_name", "caller_id_last_name",
           "voicemail_email", "fax_email", "virtual_office_enabled"]


def _out(scope: Scope, extension: Extension) -> ExtensionOut:
    return ExtensionOut.build(service.held(scope, extension))


@app.command("list")
def list_extensions(account: AccountOpt = None, q: str | None = None, limit: int = 50,
                    offset: int = 0, as_json: JsonOpt = False) -> None:
    """List extensions."""
    with unit_of_work(account) as scope:
        rows, _ = service.list_extensions(scope, service.ExtensionQuery(q=q, limit=limit,
                                                                       offset=offset))
        items = [ExtensionOut.build(row) for row in rows]
    emit(items, as_json=as_json, columns=COLUMNS)


@app.command("create")
def create(
    number: str,
    no_virtual_office: Annotated[bool, typer.Option("--no-virtual-office",
                                                    help="Disable Virtual Office")] = False,
    profile: Annotated[str | None, typer.Option(help="Internal ID to assign")] = None,
    account: AccountOpt = None, as_json: JsonOpt = False,
) -> None:
    """Create an extension (held by the primary administrator until assigned).

    Prints its desk phone's SIP password once (R-SW2); ``--json`` has it under ``sip``.
    """
    with unit_of_work(account) as scope:
        created = lifecycle.create_extension(scope, number=number,
                                             virtual_office_enabled=not no_virtual_office,
                                             profile_id=profile)
        out = _out(scope, created.extension)
        result = ExtensionCreated(**out.model_dump(), sip=SipCredentialOut.build(created.sip))
    if as_json:
        emit(result, as_json=True, columns=COLUMNS)
        return
    emit(out, as_json=False, columns=COLUMNS)
    sip = created.sip
    typer.echo(f"SIP username {sip.username}@{sip.domain}, proxy {sip.proxy}, "
               f"password (shown once): {sip.password}")


@app.command("sip-password")
def sip_password(number: str, account: AccountOpt = None) -> None:
    """Reset the desk phone's SIP password and print the new one alone (shown once).

    The old password stops working at the phone's next request and its registration
    ends (through the outbox, once the switch answers).
    """
    with unit_of_work(account) as scope:
        issued = lifecycle.reset_sip_password(scope, number)
    typer.echo(issued.password)


@app.command("delete")
def delete(number: str, account: AccountOpt = None) -> None:
    """Delete an extension that holds no undeleted voicemail or fax."""
    with unit_of_work(account) as scope:
        lifecycle.delete_extension(scope, number)
    typer.echo(f"Deleted extension {number}.")


@app.command("show")
def show(number: str, account: AccountOpt = None, as_json: JsonOpt = False) -> None:
    """Show one extension."""
    with unit_of_work(account) as scope:
        result = _out(scope, service.get_extension(scope, number))
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("update")
def update(
    number: str,
    caller_id_first_name: Annotated[str | None, typer.Option()] = None,
    caller_id_last_name: Annotated[str | None, typer.Option()] = None,
    voicemail_email: Annotated[str | None, typer.Option()] = None,
    fax_email: Annotated[str | None, typer.Option()] = None,
    virtual_office: Annotated[bool | None, typer.Option("--virtual-office/--no-virtual-office")]
    = None,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="Internal ID to assign (queues the assignment email)")] = None,
    account: AccountOpt = None, as_json: JsonOpt = False,
) -> None:
    """Edit Extension, as the page saves it: Virtual Office, then --profile, then the edits.

    The edits change this extension only ("" makes a field follow the profile again).
    """
    given: dict[str, Any] = {
        "caller_id_first_name": caller_id_first_name, "caller_id_last_name": caller_id_last_name,
        "voicemail_email": voicemail_email, "fax_email": fax_email,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    with unit_of_work(account) as scope:
        saved = service.save(scope, number, profile_id=profile,
                             virtual_office_enabled=virtual_office, changes=changes)
        result = _out(scope, saved.extension)
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("assign")
def assign(number: str, profile_id: str, account: AccountOpt = None,
           as_json: JsonOpt = False) -> None:
    """Assign a profile to the extension (queues the assignment email)."""
    with unit_of_work(account) as scope:
        result = _out(scope, service.assign_profile(scope, number, profile_id))
    emit(result, as_json=as_json, columns=COLUMNS)


@app.command("remove")
def remove(number: str, account: AccountOpt = None, as_json: JsonOpt = False) -> None:
    """Remove the profile: the primary administrator holds the extension."""
    with unit_of_work(account) as scope:
        result = _out(scope, service.remove_profile(scope, number))
    emit(result, as_json=as_json, columns=COLUMNS)
