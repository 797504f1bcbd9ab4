"""Rendering emails into the outbox (R-V1).

An email is a row written in the same transaction as the change that causes it:
if the change rolls back, no email exists; if it commits, the email will be sent
by the worker even if this process dies the next instant.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from phonedesk.models import OutboxMessage
from phonedesk.scope import Scope

_TEMPLATES = Path(__file__).parent / "templates"

_text_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)
_html_env = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
)


def render(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, plain-text body and HTML body of one email template."""
    subject = _text_env.get_template(f"{template}.subject.txt").render(context).strip()
    text = _text_env.get_template(f"{template}.txt").render(context)
    html = _html_env.get_template(f"{template}.html").render(context)
    return subject, text, html


def new_message_id(base_url: str) -> str:
    host = urlsplit(base_url).hostname or "phonedesk.invalid"
    return f"<{uuid.uuid4().hex}@{host}>"


def enqueue(
    scope: Scope,
    *,
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any],
    attachments: list[dict[str, Any]] | None = None,
) -> OutboxMessage:
    """Render a template and add the email to the current unit of work."""
    full_context = {"account_name": scope.account.name, "base_url": scope.settings.base_url}
    full_context.update(context)
    subject, text, html = render(template, full_context)
    message = OutboxMessage(
        account_id=scope.account_id,
        kind=kind,
        to_address=to,
        subject=subject,
        body_text=text,
        body_html=html,
        message_id=new_message_id(scope.settings.base_url),
        attachments=attachments,
    )
    scope.db.add(message)
    return message
