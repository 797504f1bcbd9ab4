"""Running Kamailio with PhoneDesk's configuration (``phonedesk switch run``).

Kamailio replaces this process (``exec``): it runs in the foreground with its log
on stderr, and its PID is the command's, so a service manager or a test stops
it by that PID. Before that, ``kamailio -c`` checks the rendered file, so a
missing program or module is one line naming the Debian package, not a page of
Kamailio's start-up log.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from phonedesk.config import Settings
from phonedesk.switch.config import SwitchOptions, render

PACKAGES = "kamailio kamailio-sqlite-modules kamailio-postgres-modules"
MODULE_PACKAGES = {
    "db_sqlite": "kamailio-sqlite-modules",
    "db_postgres": "kamailio-postgres-modules",
}
_SEARCH = ("/usr/sbin", "/usr/local/sbin", "/sbin")
_MISSING_MODULE = re.compile(r"could not find module <([A-Za-z0-9_]+)>")


class SwitchUnavailable(Exception):
    """Kamailio cannot be started; the message is one line for the operator."""


def find_kamailio(configured: str) -> str:
    """The Kamailio program: a path, or a name looked up in PATH and the sbin folders."""
    if os.sep in configured:
        if os.access(configured, os.X_OK) and Path(configured).is_file():
            return configured
    else:
        found = shutil.which(configured) or shutil.which(
            configured, path=os.pathsep.join(_SEARCH)
        )
        if found:
            return found
    raise SwitchUnavailable(
        f"Kamailio is not installed (no “{configured}” program found). "
        f"Install it with: apt-get install {PACKAGES}"
    )


def _diagnose(output: str) -> str:
    missing = _MISSING_MODULE.search(output)
    if missing:
        module = missing.group(1)
        package = MODULE_PACKAGES.get(module, "kamailio")
        return (f"Kamailio's {module} module is not installed. Install it with: "
                f"apt-get install {package} (the switch needs {PACKAGES})")
    errors = [line.strip() for line in output.splitlines() if "ERROR" in line]
    detail = errors[-1] if errors else (output.strip().splitlines() or ["no output"])[-1]
    return f"Kamailio refused the configuration: {detail[:300]}"


def prepare(settings: Settings, options: SwitchOptions, run_dir: Path) -> list[str]:
    """Write ``kamailio.cfg`` into ``run_dir``, check it, return the command to run."""
    binary = find_kamailio(settings.switch_kamailio)
    run_dir.mkdir(parents=True, exist_ok=True)
    cfg = run_dir / "kamailio.cfg"
    cfg.write_text(render(settings, options))
    extra = ["-L", str(settings.switch_module_dir)] if settings.switch_module_dir else []
    try:
        check = subprocess.run([binary, "-c", "-f", str(cfg), *extra], capture_output=True,
                               text=True, errors="replace", timeout=60, check=False)
    except OSError as exc:
        raise SwitchUnavailable(f"Kamailio could not be started: {exc.strerror or exc}. "
                                f"Install it with: apt-get install {PACKAGES}") from exc
    if check.returncode != 0:
        raise SwitchUnavailable(_diagnose(check.stdout + check.stderr))
    return [binary, "-f", str(cfg), "-DD", "-E", "-w", str(run_dir), "-Y", str(run_dir),
            *extra]


def run(settings: Settings, options: SwitchOptions, run_dir: Path) -> None:
    """Replace this process with Kamailio (returns only by raising SwitchUnavailable)."""
    command = prepare(settings, options, run_dir)
    os.execv(command[0], command)
