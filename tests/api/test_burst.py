"""bench/burst.py at a tiny size against a live server, on each database (DESIGN §3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PG_ENV

BENCH = Path(__file__).resolve().parents[2] / "bench" / "burst.py"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_small_burst_has_no_failure_and_consistent_data(backend: str) -> None:
    args = [sys.executable, str(BENCH), "--writers", "6", "--seconds", "3"]
    if backend == "postgresql":
        if not os.environ.get(PG_ENV):
            pytest.skip(f"PostgreSQL tests need {PG_ENV}")
        args += ["--postgres-url", os.environ[PG_ENV]]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for label in ("statuses:", "resets/transport errors: 0", "'database is locked' lines: 0",
                  "p99:", "consistency:"):
        assert label in done.stdout
    assert "201:" in done.stdout and ": ok" in done.stdout
