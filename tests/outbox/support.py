"""Test support shared by the identity, outbox and message tests.

A real SMTP server (aiosmtpd) on 127.0.0.1 records what it receives and can be
told to answer the next messages with given reply codes; helpers sign in through
the real pages and deliver the outbox with the real worker.
"""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.outbox.worker import OutboxWorker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    @property
    def html(self) -> str:
        body = self.message.get_body(("html",))
        assert body is not None
        return str(body.get_content())

    def attachments(self) -> list[tuple[str, str, bytes]]:
        return [
            (str(p.get_filename()), p.get_content_type(), p.get_payload(decode=True))
            for p in self.message.iter_attachments()
        ]


@dataclass
class Recorder:
    """The aiosmtpd handler: keeps every accepted message; can refuse the next ones."""

    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # consumed one per DATA
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
            msg = email.message_from_bytes(envelope.content, policy=default_policy)
            assert isinstance(msg, EmailMessage)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))
        return "250 OK"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]


@dataclass
class SmtpServer:
    recorder: Recorder
    port: int

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(recorder, port)
    finally:
        controller.stop()


def with_smtp(settings: Settings, server: SmtpServer, **more: Any) -> Settings:
    """Test settings that deliver to ``server`` with short waits."""
    values: dict[str, Any] = {
        "smtp_url": server.url,
        "outbox_poll_seconds": 0.05,
        "outbox_backoff_base_seconds": 0.05,
        "outbox_backoff_max_seconds": 0.2,
        "smtp_timeout_seconds": 10.0,
    }
    values.update(more)
    return settings.model_copy(update=values)


def deliver(database: Database, settings: Settings) -> None:
    """Run the real worker until nothing is due."""
    OutboxWorker(database, settings).run(threading.Event(), until_idle=True)


def wait_until(predicate: Any, *, timeout: float = 20.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


def sign_in(
    client: TestClient,
    username: str,
    password: str,
    *,
    portal: bool = True,
    next_path: str | None = None,
) -> Any:
    """Sign in through the real form (GET for the form token, then POST)."""
    path = "/portal/sign-in" if portal else "/sign-in"
    page = client.get(path, follow_redirects=False)
    # Already signed in, the form redirects away; the form cookie from before still counts.
    token = form_token(page.text) if page.status_code == 200 else client.cookies["phonedesk_form"]
    data = {"csrf_token": token, "username": username, "password": password}
    if next_path is not None:
        data["next"] = next_path
    return client.post(path, data=data, follow_redirects=False)


SETUP_LINK = re.compile(r"https://phonedesk\.example\.test(/password/setup/[A-Za-z0-9_\-]+)")


def link_path(text: str) -> str:
    match = SETUP_LINK.search(text)
    assert match, f"no setup link in: {text!r}"
    return match.group(1)


def create_password(client: TestClient, path: str, password: str) -> Any:
    """Open a setup link as a person does: confirmation, form, submit."""
    client.get(path)
    form = client.get(path, params={"step": "password"})
    if form.status_code != 200:
        return form
    return client.post(
        "/password/setup",  # the token travels in the cookie the link's GET set
        data={
            "csrf_token": form_token(form.text),
            "password": password,
            "password_confirm": password,
        },
    )


@pytest.fixture
def web(app: Any) -> Iterator[TestClient]:
    """A browser-like client on https, so that Secure cookies are sent back."""
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c
