"""The Account Manager (/admin) and Virtual Office portal (/portal) pages."""

from __future__ import annotations

from fastapi import APIRouter

from phonedesk.web.pages import (
    account,
    account_settings,
    extensions,
    imports,
    phone_system,
    portal,
    profiles,
    softphone,
)

# phone_system first: /admin/extensions/new must not be read as extension number “new”.
routers: list[APIRouter] = [phone_system.router, extensions.router, profiles.router,
                            imports.router, account.router, account_settings.router, portal.router,
                            softphone.router]
