"""Turning outbox rows into MIME messages and handing them to SMTP or to files.

``PHONEDESK_SMTP_URL`` chooses the transport: ``smtp://`` (plain, port 25),
``smtp+starttls://`` (STARTTLS required, port 587) or ``smtps://`` (TLS from the
start, port 465), each with optional ``user:password@``. Without it, messages are
written as ``.eml`` files named after their Message-ID into ``mail_dir``, so a
re-delivery after a crash overwrites rather than duplicates.

Failures are sorted once, here: a 5xx reply is permanent (the message is
parked as failed); a 4xx reply, a dropped connection or a timeout is temporary
(the worker retries with backoff).
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from phonedesk.config import Settings
from phonedesk.messages import storage

log = logging.getLogger("phonedesk.outbox")

_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @property
    def safe_url(self) -> str:
        """The URL without its password, for logs."""
        user = f"{self.username}@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpConfig:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _PORTS:
        raise ValueError(
            f"PHONEDESK_SMTP_URL must start with {', '.join(s + '://' for s in _PORTS)}"
        )
    if not parts.hostname:
        raise ValueError("PHONEDESK_SMTP_URL names no host")
    return SmtpConfig(
        scheme=scheme,
        host=parts.hostname,
        port=parts.port or _PORTS[scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class DeliveryError(Exception):
    """A message could not be handed over; ``permanent`` says whether to retry."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """The parts of an outbox row that a delivery needs (detached from any session).

    Copied as stored, unchecked: a row that cannot be delivered must fail when it is
    delivered, alone, not when its batch is claimed.
    """

    id: int
    to_address: str
    subject: str
    body_text: str
    body_html: str | None
    message_id: str
    attachments: Any  # a list of {"storage_name", "filename", "content_type"}
    created_at: datetime
    channel: str = "email"
    kind: str = ""


def compose(item: Outgoing, settings: Settings) -> EmailMessage:
    """A multipart message: plain text, HTML alternative, attached message files."""
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = item.to_address
    msg["Subject"] = item.subject
    msg["Date"] = format_datetime(item.created_at)
    msg["Message-ID"] = item.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(item.body_text)
    if item.body_html:
        msg.add_alternative(item.body_html, subtype="html")
    for attachment in item.attachments or []:
        name = str(attachment.get("storage_name", ""))
        try:
            data = storage.resolve(settings.message_dir, name).read_bytes()
        except (OSError, ValueError):
            # Deleted by its owner before the email went out: send the notice without it.
            log.warning("attachment %s of outbox message %s is gone", name, item.id)
            continue
        ctype = str(
            attachment.get("content_type")
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(
            data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=str(attachment.get("filename") or Path(name).name),
        )
    return msg


class Transport(Protocol):
    def __enter__(self) -> Transport: ...

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def send(self, message: EmailMessage, to: str) -> None: ...


def _classify(exc: Exception) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        detail = "; ".join(f"{code} {text!r}" for code, text in exc.recipients.values())
        return DeliveryError(f"recipient refused: {detail}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # A configuration problem, not the message's: keep retrying until it is fixed.
        return DeliveryError(f"SMTP authentication failed: {exc.smtp_code}", permanent=False)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return DeliveryError(f"{exc.smtp_code} {text}", permanent=exc.smtp_code >= 500)
    return DeliveryError(f"{exc.__class__.__name__}: {exc}", permanent=False)


class SmtpTransport:
    """One SMTP connection per batch, reopened after any failure."""

    def __init__(self, config: SmtpConfig, settings: Settings) -> None:
        self.config = config
        self.timeout = settings.smtp_timeout_seconds
        self.sender = parseaddr(settings.mail_from)[1] or "no-reply@phonedesk.invalid"
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._close(polite=True)

    def _open(self) -> smtplib.SMTP:
        cfg = self.config
        conn: smtplib.SMTP
        if cfg.scheme == "smtps":
            conn = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            conn = smtplib.SMTP(cfg.host, cfg.port, timeout=self.timeout)
            if cfg.scheme == "smtp+starttls":
                conn.starttls(context=ssl.create_default_context())
        if cfg.username:
            conn.login(cfg.username, cfg.password or "")
        return conn

    def _close(self, *, polite: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if polite:
                conn.quit()
            else:
                conn.close()
        except (smtplib.SMTPException, OSError):
            conn.close()

    def send(self, message: EmailMessage, to: str) -> None:
        try:
            if self._conn is None:
                self._conn = self._open()
            self._conn.send_message(message, from_addr=self.sender, to_addrs=[to])
        except (smtplib.SMTPException, OSError) as exc:
            self._close(polite=False)
            raise _classify(exc) from exc


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileTransport:
    """Writes each message to ``mail_dir/<message-id>.eml`` (development, no SMTP)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> FileTransport:
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def send(self, message: EmailMessage, to: str) -> None:
        name = _UNSAFE.sub("_", str(message["Message-ID"]).strip("<>"))[:150] or "message"
        path = self.folder / f"{name}.eml"
        tmp = path.with_name(path.name + ".part")
        try:
            tmp.write_bytes(message.as_bytes())
            os.replace(tmp, path)
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc}", permanent=False) from exc


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_url:
        return SmtpTransport(parse_smtp_url(settings.smtp_url), settings)
    return FileTransport(settings.mail_dir)
