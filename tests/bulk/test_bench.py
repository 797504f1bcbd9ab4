"""The import benchmark runs (at a small size; figures are not asserted, DESIGN §5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "import_csv.py"


def test_benchmark_runs_and_prints_its_figures(database_url: str) -> None:
    args = [sys.executable, str(BENCH), "--rows", "300"]
    if not database_url.startswith("sqlite"):
        args += ["--database-url", database_url]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    for label in ("baseline", "new rows", "update pass", "ratio to baseline", "peak RSS"):
        assert label in done.stdout
