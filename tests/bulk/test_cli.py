"""``phonedesk profiles template|export|import`` (R-C2, R-C3; CLI in DESIGN §2)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from phonedesk.cli.main import app
from phonedesk.config import Settings, get_settings
from tests.bulk.conftest import create, csv_bytes
from tests.conftest import AccountInfo


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PHONEDESK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("PHONEDESK_ENVIRONMENT", "test")
    monkeypatch.setenv("PHONEDESK_SECRET_KEY", settings.secret_key)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout


def test_template_to_file_and_export_to_stdout(
    cli_env: None, api: TestClient, tmp_path: Path
) -> None:
    create(api, "Ann", "Lee", "ann@acme.example", "ann")
    out = tmp_path / "t.csv"
    code, _ = _run("profiles", "template", "--account", "Acme", "-o", str(out))
    assert code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfInternal ID,First Name") and b"ann@acme.example" in data
    code, stdout = _run("profiles", "export", "--account", "Acme")
    assert code == 0 and "ann@acme.example" in stdout


def test_import_json_applied_then_unchanged(
    cli_env: None, api: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes([["", "Ann", "Lee", "ann@acme.example", "ann"]]))
    code, stdout = _run("profiles", "import", str(path), "--account", "Acme", "--json")
    assert code == 0
    assert json.loads(stdout) == {
        "status": "applied", "counts": {"new": 1, "changed": 0, "unchanged": 0, "error": 0},
        "errors": [], "notices": [], "assignments": [], "created_extensions": []}
    assert api.get("/api/v1/profiles", params={"q": "ann"}).json()["total"] == 1
    template = tmp_path / "t.csv"
    assert _run("profiles", "template", "-o", str(template))[0] == 0
    code, stdout = _run("profiles", "import", str(template), "--json")
    assert code == 0 and json.loads(stdout)["counts"]["unchanged"] == 2


def test_import_dry_run_changes_nothing(
    cli_env: None, api: TestClient, tmp_path: Path
) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example", "ann")
    path = tmp_path / "edit.csv"
    path.write_bytes(csv_bytes([[ann["id"], "Anne", "Lee", "ann@acme.example", "ann"]],
                               delimiter=";"))
    code, stdout = _run("profiles", "import", str(path), "--dry-run")
    assert code == 0
    assert "changed 1" in stdout and "'Ann' → 'Anne'" in stdout and "semicolons" in stdout
    code, stdout = _run("profiles", "import", str(path), "--dry-run", "--json")
    assert code == 0 and json.loads(stdout)["status"] == "validated"
    assert api.get(f"/api/v1/profiles/{ann['id']}").json()["first_name"] == "Ann"


def test_import_rejected_exits_1_with_every_error(
    cli_env: None, api: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([["", "Ann", "Lee", "ann@acme.example", "a" * 31],
                                ["", "", "Lee", "bob@acme.example", "bob"]]))
    code, stdout = _run("profiles", "import", str(path), "--json")
    assert code == 1
    result = json.loads(stdout)
    assert result["status"] == "rejected"
    assert result["counts"] == {"new": 0, "changed": 0, "unchanged": 0, "error": 2}
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(2, "Username"),
                                                                   (3, "First Name")]
    assert api.get("/api/v1/profiles").json()["total"] == 1
    code, stdout = _run("profiles", "import", str(path))
    assert code == 1 and "Row 2, Username:" in stdout


def test_file_level_error_has_null_row(cli_env: None, account: AccountInfo,
                                       tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"First Name,Last Name\r\nAnn,Lee\r\n")
    code, stdout = _run("profiles", "import", str(path), "--json")
    assert code == 1
    result = json.loads(stdout)
    assert result["status"] == "rejected" and result["errors"][0]["row"] is None
    assert "missing" in result["errors"][0]["message"]
    code, stdout = _run("profiles", "import", str(tmp_path / "nope.csv"), "--json")
    assert code == 1 and json.loads(stdout)["errors"][0]["row"] is None


def test_progress_bar_on_a_terminal(settings: Settings, account: AccountInfo,
                                    tmp_path: Path) -> None:
    """DESIGN §2: `import` shows a progress bar when stderr is a terminal."""
    import os
    import pty
    import subprocess
    import sys

    path = tmp_path / "new.csv"
    path.write_bytes(csv_bytes([["", f"P{i}", "X", f"p{i}@acme.example", f"p{i}"]
                                for i in range(20)]))
    env = {**os.environ, "PHONEDESK_DATABASE_URL": settings.database_url,
           "PHONEDESK_ENVIRONMENT": "test", "PHONEDESK_SECRET_KEY": settings.secret_key,
           "COLUMNS": "100", "TERM": "xterm"}
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "phonedesk.cli.main", "profiles", "import", str(path),
             "--json"],
            stdout=subprocess.PIPE, stderr=terminal, env=env, timeout=120, check=False)
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(controller)
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["counts"]["new"] == 20
    assert b"Validating" in seen or b"Applying" in seen


def test_import_assigns_extensions_and_prints_the_new_desk_phone_credentials(
    cli_env: None, api: TestClient, tmp_path: Path
) -> None:
    """R-V1, R-SW2: the Extensions column from the shell, as from the API and the pages."""
    path = tmp_path / "onboard.csv"
    path.write_bytes(csv_bytes([["", "Ann", "Lee", "ann@acme.example", "ann", "801"]],
                               header=["Internal ID", "First Name", "Last Name",
                                       "Email Address", "Username", "Extensions"]))
    code, stdout = _run("profiles", "import", str(path), "--account", "Acme", "--dry-run")
    assert code == 0
    assert "Row 2 creates and assigns extension 801 (Ann Lee); emails ann@acme.example" in stdout
    assert api.get("/api/v1/extensions/801").status_code == 404
    code, stdout = _run("profiles", "import", str(path), "--account", "Acme", "--json")
    result = json.loads(stdout)
    assert code == 0 and result["status"] == "applied"
    assert [a["number"] for a in result["assignments"]] == ["801"]
    assert result["created_extensions"][0]["number"] == "801"
    assert result["created_extensions"][0]["sip_password"]
    assert api.get("/api/v1/extensions/801").json()["profile_id"]
