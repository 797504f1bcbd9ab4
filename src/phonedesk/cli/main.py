"""The ``phonedesk`` command."""

from __future__ import annotations

import typer

from phonedesk.cli import admin, bulk, extensions, profiles, server, switch, tokens, worker

app = typer.Typer(
    name="phonedesk",
    help="PhoneDesk: user profiles, extensions, CSV onboarding and SCIM for hosted phone "
    "systems.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
server.register(app)
admin.register(app)
worker.register(app)
app.add_typer(tokens.app, name="tokens")
bulk.register(profiles.app)
app.add_typer(profiles.app, name="profiles")
app.add_typer(extensions.app, name="extensions")
app.add_typer(switch.app, name="switch")

if __name__ == "__main__":  # pragma: no cover
    app()
