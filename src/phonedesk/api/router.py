"""The ``/api/v1`` router: every REST resource, mounted once."""

from __future__ import annotations

from fastapi import APIRouter

from phonedesk.accounts.api import router as settings_router
from phonedesk.api.errors import ERROR_RESPONSES
from phonedesk.audit.api import router as audit_router
from phonedesk.bulk.api import router as bulk_router
from phonedesk.directory.api import router as directory_router
from phonedesk.extensions.api import router as extensions_router
from phonedesk.messages.api import router as messages_router
from phonedesk.outbox.api import router as outbox_router
from phonedesk.profiles.api import router as profiles_router
from phonedesk.switch.api import router as switch_router

api_router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)
# Before profiles: /profiles/template.csv must not match /profiles/{profile_id}.
api_router.include_router(bulk_router)
api_router.include_router(profiles_router)
api_router.include_router(extensions_router)
api_router.include_router(directory_router)
api_router.include_router(audit_router)
api_router.include_router(settings_router)
api_router.include_router(messages_router)
api_router.include_router(outbox_router)
api_router.include_router(switch_router)
