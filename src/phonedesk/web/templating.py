"""Jinja2 templates for the Account Manager and portal pages (served from the package)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from phonedesk.audit import sentences

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
templates.env.globals["htmx_js"] = "/static/vendor/htmx-2.0.11.min.js"
templates.env.globals["app_js"] = "/static/app.js"


def when(value: datetime | None, time_zone: str | None = None) -> str:
    """A timestamp as admins read it: in the account's time zone, to the minute."""
    if value is None:
        return ""
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    zone: tzinfo = UTC
    if time_zone and time_zone != "UTC":
        try:
            zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            zone = UTC
    local = moment.astimezone(zone)
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "UTC")


@pass_context
def _when_in_account_zone(context: Any, value: datetime | None) -> str:
    """``{{ t|when }}``: every page shows times in the signed-in account's zone."""
    account = context.get("account")
    return when(value, getattr(account, "time_zone", None))


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


def describe(event: sentences.Event, names: sentences.Names | None = None) -> list[str]:
    """An audit event's sentences (R-AU1); ``names`` from ``audit.names_for`` when known."""
    return sentences.describe(event, names)


templates.env.globals["form_key"] = _form_key
templates.env.filters["number"] = number
templates.env.filters["when"] = _when_in_account_zone
templates.env.filters["sentences"] = describe
templates.env.filters["action_name"] = sentences.action_name
templates.env.filters["and_list"] = and_list
