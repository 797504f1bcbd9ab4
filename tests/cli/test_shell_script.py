"""The lifecycle scripted from a real shell with the installed ``phonedesk`` command
(issue 2, deliverable 5: "enough commands to script the lifecycle from a shell")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent

SCRIPT = r"""
set -euo pipefail
json() { "$PY" -c "import json,sys; print(json.load(sys.stdin)[\"$1\"])"; }

phonedesk init --account Acme --admin-first-name Pat --admin-last-name Admin \
  --admin-email pat@acme.example --admin-username pat > init.txt
grep -q "/password/setup/" init.txt
TOKEN=$(phonedesk tokens create --name ci)
echo "token=$TOKEN"

ALICE=$(phonedesk profiles create --first-name Alice --last-name Archer \
  --email alice@acme.example --json | json id)
phonedesk extensions create 101 --profile "$ALICE" --json | json voicemail_email
if phonedesk profiles delete "$ALICE" 2> delete.err; then exit 9; fi
echo "delete-exit=refused"
phonedesk profiles disable "$ALICE" --json | json status
phonedesk extensions show 101 --json | json voicemail_email
"""


def test_lifecycle_from_a_shell(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PHONEDESK_")}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "PY": sys.executable,
        "PHONEDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'phonedesk.db'}",
        "PHONEDESK_MAIL_DIR": str(tmp_path / "mail"),
    })
    result = subprocess.run(["bash", "-c", SCRIPT], cwd=tmp_path, env=env, text=True,
                            capture_output=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("token=pd_")
    assert lines[1:] == [
        "alice@acme.example",   # assignment fills the voicemail address (R-E3)
        "delete-exit=refused",  # assigned: delete refused (R-D4)
        "disabled",
        "pat@acme.example",     # held by the PA with the PA's email (R-D1)
    ]
    error = (tmp_path / "delete.err").read_text()
    assert len(error.strip().splitlines()) == 1
    assert "Disable the profile or reassign first" in error
