"""``phonedesk switch config|run``: the Kamailio that PhoneDesk provisions (R-SW1–R-SW7)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from phonedesk import migrate
from phonedesk.cli.context import err, settings
from phonedesk.config import Settings
from phonedesk.switch import location, runner
from phonedesk.switch.config import (
    DEFAULT_RPC_PORT,
    DEFAULT_SIP_PORT,
    SwitchConfigError,
    SwitchOptions,
    render,
)

app = typer.Typer(help="The SIP switch (Kamailio) that reads PhoneDesk's database.",
                  no_args_is_help=True)

SipPort = Annotated[int, typer.Option("--sip-port", min=1, max=65535,
                                      help="UDP and TCP port for SIP")]
RpcPort = Annotated[int | None, typer.Option(
    "--rpc-port", min=1, max=65535,
    help="JSON-RPC port on 127.0.0.1 (default: the port of PHONEDESK_SWITCH_RPC_URL, else 5081)")]
Address = Annotated[str, typer.Option("--sip-address", help="Address to listen on for SIP")]
Children = Annotated[int, typer.Option("--children", min=1, max=64,
                                       help="Kamailio worker processes per listener")]


def _rpc_port(s: Settings, given: int | None) -> int:
    if given is not None:
        return given
    url = (s.switch_rpc_url or "").strip()
    try:
        return urlsplit(url).port or DEFAULT_RPC_PORT if url else DEFAULT_RPC_PORT
    except ValueError:
        return DEFAULT_RPC_PORT


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]Error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


@app.command("location-schema")
def location_schema() -> None:
    """Print the SQL for Kamailio's own location database (several instances share it)."""
    try:
        typer.echo(location.schema_sql(), nl=False)
    except FileNotFoundError as exc:
        raise _fail(str(exc)) from exc


@app.command("config")
def config(
    sip_port: SipPort = DEFAULT_SIP_PORT, rpc_port: RpcPort = None,
    sip_address: Address = "127.0.0.1", children: Children = 4,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="Write to this file instead of stdout")]
    = None,
) -> None:
    """Print a complete kamailio.cfg for the configured database and ports."""
    s = settings()
    options = SwitchOptions(sip_address=sip_address, sip_port=sip_port,
                            rpc_port=_rpc_port(s, rpc_port), children=children)
    try:
        text = render(s, options)
    except SwitchConfigError as exc:
        raise _fail(str(exc)) from None
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


@app.command("run")
def run(
    sip_port: SipPort = DEFAULT_SIP_PORT, rpc_port: RpcPort = None,
    sip_address: Address = "127.0.0.1", children: Children = 4,
    run_dir: Annotated[Path | None, typer.Option(
        "--run-dir", help="Where kamailio.cfg and runtime files go (PHONEDESK_SWITCH_RUN_DIR)")]
    = None,
) -> None:
    """Run Kamailio in the foreground with PhoneDesk's configuration (Ctrl-C stops it).

    Migrates the database first, as ``serve`` does, so the contract views exist.
    """
    s = settings()
    migrate.upgrade(s.database_url)
    options = SwitchOptions(sip_address=sip_address, sip_port=sip_port,
                            rpc_port=_rpc_port(s, rpc_port), children=children)
    try:
        runner.run(s, options, (run_dir or s.switch_run_dir).resolve())
    except (runner.SwitchUnavailable, SwitchConfigError, OSError) as exc:
        raise _fail(str(exc)) from None
