"""``/scim/v2``: SCIM 2.0 for identity providers (R-S1), mounted once by the app."""

from __future__ import annotations

from fastapi import APIRouter

from phonedesk.scim.discovery import router as discovery_router
from phonedesk.scim.users import router as users_router

router = APIRouter(prefix="/scim/v2", include_in_schema=False)
router.include_router(discovery_router)
router.include_router(users_router)
