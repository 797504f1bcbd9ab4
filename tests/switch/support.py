"""Real Kamailio and real baresip phones on 127.0.0.1 for the switch tests.

Everything runs as this test's own processes on free ports chosen at run time and
is stopped by PID. Kamailio is started from the command ``phonedesk switch run``
would exec (``switch.runner.prepare``: the rendered kamailio.cfg, checked with
``kamailio -c``). Phones are baresip processes driven over ``ctrl_tcp`` whose SIP
trace (``-s``) and log are read from stdout.
"""

from __future__ import annotations

import json
import math
import re
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.error
import urllib.request
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from phonedesk.config import Settings
from phonedesk.switch import runner
from phonedesk.switch.config import SwitchOptions

PACKAGES = "kamailio kamailio-sqlite-modules kamailio-postgres-modules baresip-core"
BARESIP_MODULES = Path("/usr/lib/baresip/modules")


_handed_out: set[int] = set()
_ports_lock = threading.Lock()


def free_port(kind: int = socket.SOCK_DGRAM, *, neighbour_tcp: bool = False) -> int:
    """A port free for both UDP and TCP (SIP listens on both), and its neighbour.

    baresip binds PORT+1 as well (UDP, and TCP for TLS), and a port handed out is not
    bound until its process starts, so handed-out ports and their neighbours are never
    handed out again by this process. Another process may still take one in between:
    ``Phone`` then starts again on new ports.
    """
    with _ports_lock:
        port = _free_port(kind, neighbour_tcp)
        _handed_out.update({port - 1, port, port + 1})
        return port


def _free_port(kind: int, neighbour_tcp: bool) -> int:
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = int(tcp.getsockname()[1])
        if {port - 1, port, port + 1} & _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind(("127.0.0.1", port))
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    udp.bind(("127.0.0.1", port))
                    if kind == socket.SOCK_DGRAM:
                        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp2:
                            udp2.bind(("127.0.0.1", port + 1))
                    if neighbour_tcp:
                        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp2:
                            tcp2.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port pair on 127.0.0.1")


def _module_dir(kamailio: str) -> Path | None:
    try:
        text = subprocess.run([kamailio, "-h"], capture_output=True, text=True, timeout=10,
                              check=False).stdout
    except OSError:
        return None
    found = re.search(r"Modules search path \(default: ([^)]+)\)", text)
    return Path(found.group(1)) if found else None


def require_switch(database_url: str) -> str:
    """The Kamailio program, or skip naming the Debian packages the test needs."""
    try:
        kamailio = runner.find_kamailio("kamailio")
    except runner.SwitchUnavailable:
        pytest.skip(f"switch tests need Kamailio and baresip: apt-get install {PACKAGES}")
    module = "db_sqlite" if database_url.startswith("sqlite") else "db_postgres"
    modules = _module_dir(kamailio)
    if modules is None or not (modules / f"{module}.so").exists():
        pytest.skip(f"switch tests need Kamailio's {module} module: apt-get install {PACKAGES}")
    if shutil.which("baresip") is None or not (BARESIP_MODULES / "sndfile.so").exists():
        pytest.skip(f"switch tests need baresip: apt-get install {PACKAGES}")
    return kamailio


def tone(path: Path, seconds: float, hertz: float) -> Path:
    """An 8 kHz mono 16-bit WAV (what baresip's aufile source plays)."""
    rate = 8000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * hertz * n / rate)))
        for n in range(int(rate * seconds))
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def wait_until(predicate: Any, timeout: float = 10.0, step: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


# --- Kamailio ---------------------------------------------------------------------


class Rpc:
    """Kamailio's JSON-RPC, for the test to look at registrations."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}/RPC"

    def call(self, method: str, *params: Any) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params),
                           "id": 1}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            answer = json.loads(exc.read())
        if "error" in answer:
            return None
        return answer["result"]

    def contacts(self, aor: str) -> list[dict[str, Any]]:
        found = self.call("ul.lookup", "location", aor)
        return [c["Contact"] for c in (found or {}).get("Contacts", [])]

    def up(self) -> bool:
        try:
            return self.call("core.uptime") is not None
        except (OSError, ValueError):
            return False


@dataclass
class Switch:
    sip_port: int
    rpc_port: int
    rpc: Rpc
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def proxy(self) -> str:
        return f"127.0.0.1:{self.sip_port}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


def _start_switch(settings: Settings, root: Path) -> Switch:
    sip_port, rpc_port = free_port(), free_port(socket.SOCK_STREAM)
    options = SwitchOptions(sip_port=sip_port, rpc_port=rpc_port, children=2, min_expires=10)
    command = runner.prepare(settings, options, root / "switch")
    log = root / "kamailio.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL)
    switch = Switch(sip_port, rpc_port, Rpc(rpc_port), log, process)
    if not wait_until(lambda: process.poll() is not None or switch.rpc.up(), 20):
        _stop(process)
        raise AssertionError("Kamailio did not answer JSON-RPC:\n" + switch.log_text())
    return switch


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextmanager
def running_switch(settings: Settings, root: Path) -> Iterator[Switch]:
    """Kamailio as ``phonedesk switch run`` starts it, stopped by its PID.

    Started again on new ports if another process took one between choosing and binding.
    """
    for _ in range(3):
        switch = _start_switch(settings, root)
        if switch.process.poll() is None:
            break
        if "Address already in use" not in switch.log_text():
            raise AssertionError("Kamailio exited:\n" + switch.log_text())
    else:
        raise AssertionError("Kamailio found no free ports:\n" + switch.log_text())
    try:
        yield switch
    finally:
        _stop(switch.process)


class Gate:
    """A TCP forwarder in front of Kamailio's JSON-RPC that can refuse connections.

    Closed, nothing listens on its port (connection refused), as when Kamailio is
    down; open, it passes each request through to the real JSON-RPC port.
    """

    def __init__(self, target_port: int) -> None:
        self.port = free_port(socket.SOCK_STREAM)
        self.target = target_port
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/RPC"

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(8)
        self._server = server
        self._thread = threading.Thread(target=self._accept, args=(server,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def _accept(self, server: socket.socket) -> None:
        server.settimeout(0.05)  # a closed socket does not wake a blocked accept()
        while self._server is server:
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            threading.Thread(target=self._pipe, args=(client,), daemon=True).start()

    def _pipe(self, client: socket.socket) -> None:
        """Copy bytes both ways until either side closes (Kamailio keeps connections open)."""
        try:
            with client, socket.create_connection(("127.0.0.1", self.target), timeout=5) as up:
                ends = [client, up]
                while True:
                    ready, _, _ = select.select(ends, [], [], 5)
                    if not ready:
                        return
                    for end in ready:
                        chunk = end.recv(65536)
                        if not chunk:
                            return
                        (up if end is client else client).sendall(chunk)
        except OSError:
            return


# --- baresip phones ---------------------------------------------------------------------


class Phone:
    """One baresip user agent: its SIP trace and log, and a ctrl_tcp connection."""

    def __init__(self, root: Path, name: str, account: str, audio: Path, *,
                 record_to: Path | None = None) -> None:
        self.name = name
        self.dir = root / f"phone-{name}"
        self.dir.mkdir(parents=True)
        (self.dir / "accounts").write_text(account + "\n")
        (self.dir / "contacts").write_text("")
        self._audio, self._record_to = audio, record_to
        self._lines: list[str] = []
        self._lock = threading.Lock()
        for _ in range(5):
            self._start()
            if self._bound():
                return
        raise AssertionError(self.describe())

    def _start(self) -> None:
        """baresip on fresh ports: SIP over UDP and TCP on PORT, TLS on PORT+1, ctrl_tcp."""
        self.sip_port = free_port(socket.SOCK_DGRAM, neighbour_tcp=True)
        self.ctrl_port = free_port(socket.SOCK_STREAM)
        rtp = free_port()
        modules = ["g711", "aufile", "aubridge", "account", "menu", "ctrl_tcp"]
        if self._record_to is not None:
            modules.append("sndfile")
        lines = [
            f"sip_listen 127.0.0.1:{self.sip_port}", "net_interface 127.0.0.1",
            f"audio_source aufile,{self._audio}", "audio_player aubridge,x",
            "audio_alert aubridge,x", f"rtp_ports {rtp}-{rtp + 1}",
            f"module_path {BARESIP_MODULES}", f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
            *[f"module {m}.so" for m in modules],
        ]
        if self._record_to is not None:
            self._record_to.mkdir(parents=True, exist_ok=True)
            lines.append(f"snd_path {self._record_to}")
        (self.dir / "config").write_text("\n".join(lines) + "\n")
        with self._lock:
            self._lines.clear()
        self.process = subprocess.Popen(
            ["baresip", "-f", str(self.dir), "-s"], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True, errors="replace",
        )
        threading.Thread(target=self._read, args=(self.process,), daemon=True).start()

    def _bound(self) -> bool:
        """Ready, or lost a port to another process between choosing and binding it."""
        ready = wait_until(lambda: self.process.poll() is not None or any(
            "baresip is ready" in line for line in self.output()), 20)
        if self.process.poll() is None and ready:
            return True
        if any("Address already in use" in line for line in self.output()):
            self.stop()
            return False
        raise AssertionError(self.describe())

    @classmethod
    def desk(cls, root: Path, name: str, *, user: str, domain: str, password: str,
             display: str, proxy: str, audio: Path, answer: str = "manual") -> Phone:
        account = (f'"{display}" <sip:{user}@{domain};transport=udp>;'
                   f'outbound="sip:{proxy};transport=udp";auth_pass={password};'
                   f"regint=600;answermode={answer}")
        return cls(root, name, account, audio)

    def _read(self, process: subprocess.Popen[str]) -> None:
        """Keep every line, in memory for the test and in ``output.log`` for a post-mortem."""
        assert process.stdout is not None
        with (self.dir / "output.log").open("a") as log:
            for line in process.stdout:
                with self._lock:
                    self._lines.append(line.rstrip("\n"))
                log.write(line)
                log.flush()

    def describe(self) -> str:
        """For a failing assertion: is it running, and what did it say last."""
        state = "running" if self.process.poll() is None else f"exited {self.process.poll()}"
        tail = "\n".join(self.output()[-40:])
        return f"phone {self.name} ({state}), last output:\n{tail}"

    def mark(self) -> int:
        """A position in the output: later waits look only at what follows."""
        with self._lock:
            return len(self._lines)

    def output(self, since: int = 0) -> list[str]:
        with self._lock:
            return self._lines[since:]

    def wait_for(self, pattern: str, *, since: int = 0, timeout: float = 20.0) -> str | None:
        """The first line matching ``pattern`` after ``since`` (generous: a busy CI machine
        is slow, and a match returns at once)."""
        regex = re.compile(pattern)

        def found() -> str | None:
            return next((line for line in self.output(since) if regex.search(line)), None)

        result = wait_until(found, timeout)
        return str(result) if result else None

    def command(self, command: str, params: str = "") -> None:
        body = json.dumps({"command": command, "params": params, "token": command}).encode()
        with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5) as conn:
            conn.sendall(str(len(body)).encode() + b":" + body + b",")
            conn.settimeout(5)
            data = b""
            while f'"token":"{command}"'.encode() not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk

    def dial(self, uri: str) -> int:
        at = self.mark()
        self.command("dial", uri)
        return at

    def hangup(self) -> None:
        self.command("hangup")

    def stop(self) -> None:
        """Killed, not asked: a SIGTERM makes baresip unregister and wait for answers."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(5)


@contextmanager
def phones() -> Iterator[list[Phone]]:
    started: list[Phone] = []
    try:
        yield started
    finally:
        for phone in started:
            if phone.process.poll() is None:
                phone.process.kill()
        for phone in started:
            phone.stop()
