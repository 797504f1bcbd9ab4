"""The Account Manager (/admin) and Virtual Office portal (/portal) pages."""

from __future__ import annotations

from fastapi import APIRouter

from phonedesk.web.pages import extensions

routers: list[APIRouter] = [extensions.router]
