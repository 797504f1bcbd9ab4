"""How the worker runs: inside `phonedesk serve` and as `phonedesk worker --once` (DESIGN §2)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from phonedesk.app import create_app
from phonedesk.config import Settings
from phonedesk.db import Database
from tests.conftest import AccountInfo
from tests.outbox.support import SmtpServer, wait_until, with_smtp


def test_the_app_runs_the_worker_in_process(
    database: Database,
    settings: Settings,
    account: AccountInfo,
    smtp_server: SmtpServer,
) -> None:
    """With outbox_worker_in_process the server delivers by itself, and stops cleanly."""
    app = create_app(with_smtp(settings, smtp_server, outbox_worker_in_process=True), database)
    with TestClient(app, base_url="https://testserver") as client:
        client.headers["Authorization"] = f"Bearer {account.token}"
        r = client.post(
            "/api/v1/profiles",
            json={"first_name": "Ida", "last_name": "Inproc", "email": "ida@acme.example"},
        )
        assert r.status_code == 201, r.text
        r = client.put(f"/api/v1/profiles/{r.json()['id']}/role", json={"role": "administrator"})
        assert r.status_code == 200, r.text
        assert wait_until(lambda: smtp_server.recorder.to("ida@acme.example") != [], timeout=20)


def test_worker_command_once_writes_eml_files_without_smtp(
    database: Database,
    database_url: str,
    settings: Settings,
    account: AccountInfo,
    api: TestClient,
    tmp_path: Path,
) -> None:
    r = api.post("/api/v1/profiles/" + account.primary_admin_id + "/setup-link")
    assert r.status_code == 200, r.text
    env = dict(os.environ)
    env.pop("PHONEDESK_SMTP_URL", None)
    env.update(
        {
            "PHONEDESK_ENVIRONMENT": "test",
            "PHONEDESK_SECRET_KEY": "test-secret-key-not-for-production",
            "PHONEDESK_DATABASE_URL": database_url,
            "PHONEDESK_MAIL_DIR": str(tmp_path / "outbox-files"),
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "phonedesk.cli.main", "worker", "--once"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    [eml] = list((tmp_path / "outbox-files").glob("*.eml"))
    text = eml.read_text()
    assert f"To: {account.admin_email}" in text
    assert "/password/setup/" in text
    listed = api.get("/api/v1/outgoing-emails").json()["items"]
    assert [e["status"] for e in listed] == ["sent"]
