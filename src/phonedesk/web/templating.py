"""Jinja2 templates for the Account Manager and portal pages (served from the package)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

from phonedesk.audit import sentences

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
templates.env.globals["htmx_js"] = "/static/vendor/htmx-2.0.11.min.js"
templates.env.globals["app_js"] = "/static/app.js"


def when(value: datetime | None) -> str:
    """A timestamp as admins read it: UTC, to the minute."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


def and_list(items: list[str]) -> str:
    """``201``, ``201 and 202``, ``201, 202 and 203``: how people list things."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def describe(event: sentences.Event, names: sentences.Names | None = None) -> list[str]:
    """An audit event's sentences (R-AU1); ``names`` from ``audit.names_for`` when known."""
    return sentences.describe(event, names)


templates.env.filters["when"] = when
templates.env.filters["sentences"] = describe
templates.env.filters["action_name"] = sentences.action_name
templates.env.filters["and_list"] = and_list
