"""The ``phonedesk`` CLI (issue 2, deliverable 5): init, tokens, and the profile and
extension lifecycle, on both databases."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from phonedesk.app import create_app
from phonedesk.cli.server import ensure_first_account
from phonedesk.config import Settings, get_settings
from phonedesk.db import Database
from tests.cli.conftest import BASE_URL, Cli

INIT = ["init", "--account", "Acme", "--admin-first-name", "Pat", "--admin-last-name", "Admin",
        "--admin-email", "pat@acme.example"]
TOKEN = re.compile(r"pd_[A-Za-z0-9_-]{40,}")


def test_init_prints_a_setup_link(cli: Cli) -> None:
    result = cli.ok(*INIT, "--admin-username", "pat")
    links = re.findall(re.escape(BASE_URL) + r"/password/setup/[A-Za-z0-9_-]{22,}",
                       result.stdout)
    assert len(links) == 1, result.stdout
    admins = cli.json("profiles", "list")
    assert [(p["username"], p["role"]) for p in admins] == [("pat", "primary_administrator")]
    # The same account twice is a one-line error.
    assert "already exists" in cli.fails(*INIT)


def test_tokens_create_prints_only_the_token(cli: Cli, database: Database,
                                             settings: Settings) -> None:
    cli.ok(*INIT)
    result = cli.ok("tokens", "create", "--name", "script")
    assert TOKEN.fullmatch(result.stdout.strip()), result.stdout
    assert result.stdout.count("\n") == 1
    scim = cli.ok("tokens", "create", "--scim").stdout.strip()
    assert re.fullmatch(r"pdscim_[A-Za-z0-9_-]{40,}", scim)
    # The printed token works against the REST API; the SCIM one does not.
    with TestClient(create_app(settings, database)) as client:
        token = result.stdout.strip()
        response = client.get("/api/v1/profiles", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert response.json()["items"][0]["email"] == "pat@acme.example"
        refused = client.get("/api/v1/profiles", headers={"Authorization": f"Bearer {scim}"})
        assert refused.status_code == 401
    listed = cli.ok("tokens", "list").stdout
    assert token not in listed and "script" in listed


def test_profile_and_extension_lifecycle(cli: Cli) -> None:
    cli.ok(*INIT)
    alice = cli.json("profiles", "create", "--first-name", "Alice", "--last-name", "Archer",
                     "--email", "alice@acme.example")
    assert alice["username"] == "alice@acme.example" and alice["status"] == "active"
    lobby = cli.json("profiles", "create", "--first-name", "Front", "--last-name", "Lobby",
                     "--email", "pat@acme.example", "--username", "Front Lobby")
    assert lobby["username"] == "Front Lobby"

    for number in ("101", "102"):
        held = cli.json("extensions", "create", number)
        assert held["held_by_primary_administrator"] is True
        ext = cli.json("extensions", "assign", number, alice["id"])
        assert ext["voicemail_email"] == ext["fax_email"] == "alice@acme.example"
    edited = cli.json("extensions", "update", "101", "--voicemail-email", "vm@home.example")
    assert edited["sources"]["voicemail_email"] == "edited"
    cli.json("profiles", "update", alice["id"], "--email", "alice@new.example")
    assert cli.json("extensions", "show", "101")["voicemail_email"] == "vm@home.example"
    assert cli.json("extensions", "show", "102")["voicemail_email"] == "alice@new.example"

    line = cli.fails("profiles", "delete", alice["id"])
    assert line.startswith("Error:") and "Disable the profile or reassign first" in line

    disabled = cli.json("profiles", "disable", alice["id"])
    assert disabled["status"] == "disabled" and disabled["extensions"] == []
    for number in ("101", "102"):
        ext = cli.json("extensions", "show", number)
        assert ext["profile_id"] is None
        assert ext["voicemail_email"] == ext["fax_email"] == "pat@acme.example"
    assert cli.json("profiles", "enable", alice["id"])["status"] == "active"
    assert cli.json("extensions", "show", "101")["profile_id"] is None

    cli.json("extensions", "assign", "101", alice["id"])
    assert cli.json("extensions", "remove", "101")["profile_id"] is None
    cli.ok("profiles", "delete", alice["id"])
    assert "No such user profile" in cli.fails("profiles", "show", alice["id"])
    assert [p["username"] for p in cli.json("profiles", "list", "--q", "lobby")] == [
        "Front Lobby"]
    assert "┃ id" in cli.ok("profiles", "list").stdout  # a table for people


def test_roles_and_transfer(cli: Cli) -> None:
    cli.ok(*INIT)
    bea = cli.json("profiles", "create", "--first-name", "Bea", "--last-name", "Boss",
                   "--email", "bea@acme.example")
    assert "primary administrator cannot be disabled" in cli.fails(
        "profiles", "disable", cli.json("profiles", "list")[0]["id"])
    assert cli.json("profiles", "role", bea["id"], "administrator")["role"] == "administrator"
    assert cli.json("profiles", "make-primary", bea["id"])["role"] == "primary_administrator"


def test_errors_are_one_line_with_exit_1(cli: Cli) -> None:
    cli.ok(*INIT)
    assert cli.fails("extensions", "create", "1").startswith("Error (number):")
    assert "30" in cli.fails("profiles", "create", "--first-name", "A", "--last-name", "B",
                             "--email", "a.very.long.address.for.someone@acme.example")
    cli.ok("extensions", "create", "101")
    assert "already exists" in cli.fails("extensions", "create", "101")
    assert "No extension" in cli.fails("extensions", "show", "999")
    assert "No account" in cli.fails("profiles", "list", "--account", "Nope")


def test_account_optional_with_one_required_with_two(cli: Cli) -> None:
    assert "phonedesk init" in cli.fails("profiles", "list")
    cli.ok(*INIT)
    assert len(cli.json("profiles", "list")) == 1
    cli.ok("init", "--account", "Globex", "--admin-first-name", "Gus", "--admin-last-name",
           "G", "--admin-email", "gus@globex.example")
    line = cli.fails("profiles", "list")
    assert "--account" in line
    assert "--account" in cli.fails("tokens", "create")
    globex = cli.json("profiles", "list", "--account", "globex")
    assert [p["email"] for p in globex] == ["gus@globex.example"]
    token = cli.ok("tokens", "create", "--account", "Globex").stdout.strip()
    assert TOKEN.fullmatch(token)


def test_serve_creates_a_first_account_only_on_an_empty_database(
    cli: Cli, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`phonedesk serve` start-up (issue 2 deliverable 1): once, never again."""
    for name, value in cli.env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    ensure_first_account()
    first = capsys.readouterr().out
    assert "Created the account" in first
    assert f"{BASE_URL}/password/setup/" in first
    token = re.search(r"API token \(shown once\): (\S+)", first)
    assert token and TOKEN.fullmatch(token.group(1))
    ensure_first_account()
    assert capsys.readouterr().out == ""
    assert len(cli.json("profiles", "list")) == 1


def test_db_upgrade_is_idempotent(cli: Cli) -> None:
    assert "up to date" in cli.ok("db", "upgrade").stdout
    assert "up to date" in cli.ok("db", "upgrade").stdout


def test_extensions_update_saves_like_the_edit_extension_screen(
    cli: Cli, database: Database
) -> None:
    """R-V1: ``extensions update --profile`` is the page's Save Changes, Virtual Office
    first, so the assignment email fits the new setting."""
    from sqlalchemy import select

    from phonedesk.models import OutboxMessage

    cli.ok(*INIT)
    ann = cli.json("profiles", "create", "--first-name", "Ann", "--last-name", "Lee",
                   "--email", "ann@acme.example")
    cli.ok("extensions", "create", "201")
    saved = cli.json("extensions", "update", "201", "--profile", ann["id"],
                     "--no-virtual-office", "--caller-id-first-name", "Reception")
    assert (saved["profile_id"], saved["virtual_office_enabled"]) == (ann["id"], False)
    assert (saved["caller_id_first_name"], saved["voicemail_email"]) == (
        "Reception", "ann@acme.example")
    with database.reading() as db:
        kinds = list(db.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.to_address == "ann@acme.example")))
    assert kinds == ["assigned_no_portal"]
    assert "No such user profile" in cli.fails("extensions", "update", "201", "--profile",
                                               "p_missing")
