"""Jinja2 templates for the Account Manager and portal pages (served from the package)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).parent
templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
templates.env.globals["htmx_js"] = "/static/vendor/htmx-2.0.11.min.js"
