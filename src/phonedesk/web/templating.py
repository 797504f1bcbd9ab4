"""Jinja2 templates for the Account Manager and portal pages (served from the package)."""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates

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


def _form_key() -> str:
    """A fresh random key for one rendering of a form that creates something (web.once)."""
    return secrets.token_urlsafe(24)


def number(value: int | None) -> str:
    """A count as people read it, the same everywhere: ``17,748``."""
    return "" if value is None else f"{value:,}"


templates.env.globals["form_key"] = _form_key
templates.env.filters["number"] = number
templates.env.filters["when"] = when
templates.env.filters["and_list"] = and_list
