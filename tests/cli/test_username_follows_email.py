"""`phonedesk profiles update --email`: the username stays unless
--username-follows-email asks for it (R-P2 as amended)."""

from __future__ import annotations

from tests.cli.conftest import Cli
from tests.cli.test_cli import INIT


def test_the_username_follows_only_when_asked(cli: Cli) -> None:
    cli.ok(*INIT)
    bea = cli.json("profiles", "create", "--first-name", "Bea", "--last-name", "Ito",
                   "--email", "bea@acme.example")
    kept = cli.json("profiles", "update", bea["id"], "--email", "bea.ito@acme.example")
    assert kept["username"] == "bea@acme.example"
    cli.ok("profiles", "update", bea["id"], "--email", "bea@acme.example")
    moved = cli.json("profiles", "update", bea["id"], "--email", "bea.ito@acme.example",
                     "--username-follows-email")
    assert moved["username"] == "bea.ito@acme.example"
