"""The read-path benchmark runs at a tiny size and every request it sends succeeds.

Figures are not asserted (DESIGN §5); an error count other than 0 is a failure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "read_path.py"


def test_read_path_benchmark_runs_without_errors(database_url: str) -> None:
    args = [sys.executable, str(BENCH), "--profiles", "400", "--seconds", "0.3"]
    if not database_url.startswith("sqlite"):
        args += ["--database-url", database_url]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| GET")]
    assert len(rows) >= 11, done.stdout
    for label in ("/healthz", "/api/v1/profiles/{id}", "q=smith", "/api/v1/directory?q=lee",
                  "/api/v1/extensions?q=smith", "/admin/profiles?q=smith"):
        assert any(label in row for row in rows), label
    for row in rows:
        assert row.rstrip(" |").endswith("| 0"), row  # the errors column
