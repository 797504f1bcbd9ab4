"""Run the ``phonedesk`` command in-process against the test database.

The CLI reads its settings from ``PHONEDESK_*`` variables once per process
(``get_settings`` is cached), so each invocation sets them and clears the cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from phonedesk.cli.main import app
from phonedesk.config import get_settings
from phonedesk.db import Database

BASE_URL = "https://desk.example.test"


@dataclass
class Cli:
    env: dict[str, str]
    runner: CliRunner

    def __call__(self, *args: str) -> Result:
        get_settings.cache_clear()
        try:
            return self.runner.invoke(app, list(args), env=self.env, catch_exceptions=False)
        finally:
            get_settings.cache_clear()

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)

    def fails(self, *args: str) -> str:
        """Exit code 1 and exactly one line on stderr, no traceback; returns that line."""
        result = self(*args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr
        return lines[0]


@pytest.fixture
def cli(database: Database, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    env = {
        "PHONEDESK_DATABASE_URL": database_url,
        "PHONEDESK_BASE_URL": BASE_URL,
        "PHONEDESK_MAIL_DIR": str(tmp_path / "mail"),
        "PHONEDESK_MESSAGE_DIR": str(tmp_path / "messages"),
        "PHONEDESK_ENVIRONMENT": "development",
    }
    # The runner's env only covers the invocation; keep stray settings out.
    for name in ("PHONEDESK_SECRET_KEY", "PHONEDESK_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    yield Cli(env=env, runner=CliRunner())
    get_settings.cache_clear()
