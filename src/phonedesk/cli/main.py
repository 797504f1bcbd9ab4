"""The ``phonedesk`` command."""

from __future__ import annotations

import typer

from phonedesk.cli import admin, extensions, profiles, server, switch, tokens, worker
from phonedesk.cli import bulk as _bulk  # noqa: F401  (adds template/export/import to profiles)

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
app.add_typer(profiles.app, name="profiles")
app.add_typer(extensions.app, name="extensions")
app.add_typer(switch.app, name="switch")

if __name__ == "__main__":  # pragma: no cover
    app()
