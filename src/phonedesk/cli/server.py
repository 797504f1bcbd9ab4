"""``phonedesk serve``: migrate, make a first account when empty, serve."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from phonedesk import migrate
from phonedesk.accounts import service as accounts
from phonedesk.auth import tokens
from phonedesk.cli.context import session_only, settings
from phonedesk.scope import Actor, Scope
from phonedesk.switch import domains

FIRST_ACCOUNT = "My Company"
FIRST_ADMIN = {"first": "Admin", "last": "User", "email": "admin@example.com",
               "username": "admin"}


def ensure_first_account() -> None:
    """On an empty database create an account, its PA and an API token; say how to sign in."""
    with session_only() as (db, s):
        if accounts.count(db):
            return
        created = accounts.create_account(
            db, s, name=FIRST_ACCOUNT, admin_first_name=FIRST_ADMIN["first"],
            admin_last_name=FIRST_ADMIN["last"], admin_email=FIRST_ADMIN["email"],
            admin_username=FIRST_ADMIN["username"], actor=Actor.system(),
        )
        scope = Scope(db=db, account=created.account, actor=Actor.system(), settings=s)
        _, secret = tokens.create_token(scope, name="first run")
        url = created.setup_url
        sip_domain = domains.get(scope).domain
    typer.echo("")
    typer.echo(f"Created the account “{FIRST_ACCOUNT}” with primary administrator "
               f"“{FIRST_ADMIN['username']}” ({FIRST_ADMIN['email']}).")
    typer.echo(f"  Set the administrator's password, then sign in: {url}")
    typer.echo(f"  API token (shown once): {secret}")
    typer.echo(f"  API docs: {s.base_url.rstrip('/')}/api/v1/docs")
    typer.echo(f"  SIP domain: {sip_domain} (phones: `make switch`, see the README)")
    typer.echo("")


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int | None, typer.Option(
        min=1, max=64, help="Processes serving at once (default: the number of CPUs)")] = None,
) -> None:
    """Serve the web pages, REST API, SCIM and the email worker, on every CPU.

    Each process runs its own email worker: claims are leases taken under the
    database's write lock (SKIP LOCKED on PostgreSQL), so no two processes send one
    message, and the migration and first account are done once, before they start.
    """
    s = settings()
    migrate.upgrade(s.database_url)
    ensure_first_account()
    count = workers or os.cpu_count() or 1
    if count == 1:
        from phonedesk.app import create_app

        # Keep-alive longer than a busy client's pause between requests: a connection the
        # server closes just as the client reuses it is a reset the client sees.
        uvicorn.run(create_app(s), host=host, port=port, proxy_headers=False, log_level="info",
                    timeout_keep_alive=75)
        return
    # Each process builds its app from the same environment (PHONEDESK_* variables). A
    # process that is slow to import or busy serving is not dead: give it a minute.
    uvicorn.run("phonedesk.app:create_app", factory=True, workers=count, host=host, port=port,
                proxy_headers=False, log_level="info", timeout_worker_healthcheck=60,
                timeout_keep_alive=75)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
