"""The Account Manager (/admin) and Virtual Office portal (/portal) pages."""

from __future__ import annotations

from fastapi import APIRouter

from phonedesk.web.pages import account, extensions, imports, portal, profiles

routers: list[APIRouter] = [extensions.router, profiles.router, imports.router, account.router,
                              portal.router]
