"""The switch registration benchmark runs end to end at a tiny size (its figures are not
asserted, DESIGN §5): SIPp registers every user against both Kamailios and nothing is lost."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.switch.support import require_switch

pytestmark = [pytest.mark.switch]

BENCH = Path(__file__).resolve().parents[2] / "bench" / "switch_register.py"


def test_benchmark_registers_everyone_on_both_switches(database_url: str) -> None:
    require_switch(database_url)
    if shutil.which("sipp") is None:
        pytest.skip("the benchmark needs SIPp: apt-get install sip-tester")
    args = [sys.executable, str(BENCH), "--extensions", "300", "--children", "2"]
    if not database_url.startswith("sqlite"):
        args += ["--database-url", database_url]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for label in ("baseline", "phonedesk"):
        line = next(x for x in done.stdout.splitlines() if x.strip().startswith(label))
        assert "300 registrations" in line and "failed 0" in line
        assert "Kamailio holds 300" in line
    assert "ratio to baseline" in done.stdout


DURING = BENCH.with_name("switch_during_import.py")


def test_registrations_during_a_csv_import_are_all_answered(database_url: str) -> None:
    require_switch(database_url)
    if shutil.which("sipp") is None:
        pytest.skip("the benchmark needs SIPp: apt-get install sip-tester")
    args = [sys.executable, str(DURING), "--extensions", "200", "--rows", "2000",
            "--children", "2"]
    if not database_url.startswith("sqlite"):
        args += ["--database-url", database_url]
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    # The benchmark exits 1 when any registration failed; the figures are in its output.
    assert done.returncode in (0, 1), done.stdout + done.stderr
    quiet, busy, imported = done.stdout.strip().splitlines()[-3:]
    assert quiet.startswith("quiet") and busy.startswith("during import"), done.stdout
    for line in (quiet, busy):
        sent = int(re.search(r"([\d,]+) registrations", line)[1].replace(",", ""))  # type: ignore[index]
        failed = int(re.search(r"failed (\d+)", line)[1])  # type: ignore[index]
        # On a CPU-starved test machine one REGISTER of hundreds can go unanswered in SIPp's
        # timeout; the benchmark reports every one. More than 1% is a real failure.
        assert sent >= 200 and failed * 100 <= sent, line
    assert "(2,000 new profiles)" in imported
