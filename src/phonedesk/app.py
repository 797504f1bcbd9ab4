"""The application factory: one FastAPI app serving the API, SCIM and pages.

Everything an app needs is wired here, on ``app.state``: its settings and
database, the error renderers of each interface, the ways a caller
authenticates, the background services that run while it serves. Nothing is
registered by importing a module, so every app built in one process (a test
suite builds hundreds) is independent of the others.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.responses import RedirectResponse

from phonedesk import __version__
from phonedesk.api import docs as api_docs
from phonedesk.api import errors
from phonedesk.api.body_limits import BodyLimit
from phonedesk.api.router import api_router
from phonedesk.auth import principals
from phonedesk.auth.pages import router as auth_pages_router
from phonedesk.auth.recovery_pages import router as recovery_pages_router
from phonedesk.auth.token_use import TokenUseMiddleware
from phonedesk.config import Settings, get_settings
from phonedesk.db import Database
from phonedesk.log_redaction import redacting_logs
from phonedesk.outbox.worker import in_process_worker
from phonedesk.scim import errors as scim_errors
from phonedesk.scim.router import router as scim_router
from phonedesk.web import setup as web_setup

log = logging.getLogger("phonedesk")

# Background services started with the app (e.g. the in-process outbox worker).
# Each takes the app and returns an async context manager that runs while it serves.
LifespanHook = Callable[[FastAPI], AbstractAsyncContextManager[None]]
DEFAULT_LIFESPAN_HOOKS: tuple[LifespanHook, ...] = (in_process_worker,)
# Always on, whichever hooks a caller chooses: no secret in a log line.
REQUIRED_LIFESPAN_HOOKS: tuple[LifespanHook, ...] = (redacting_logs,)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    hooks: list[LifespanHook] = app.state.lifespan_hooks
    # Handler threads agree with the pool (sized from the same setting): none waits
    # for a connection; writers queue in the write lane instead.
    settings: Settings = app.state.settings
    to_thread.current_default_thread_limiter().total_tokens = settings.server_threads
    async with AsyncExitStack() as stack:
        for hook in hooks:
            await stack.enter_async_context(hook(app))
        yield
    if app.state.owns_database:
        app.state.database.dispose()


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    *,
    lifespan_hooks: Sequence[LifespanHook] = DEFAULT_LIFESPAN_HOOKS,
) -> FastAPI:
    """Build the app. Tests pass their own settings and database."""
    settings = settings or get_settings()
    owns = database is None
    database = database or Database.from_url(
        settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        write_wait_seconds=settings.write_wait_seconds, pool_size=settings.server_threads,
    )
    app = FastAPI(
        title="PhoneDesk",
        version=__version__,
        description="Account manager for hosted phone systems: user profiles, extensions, "
        "CSV onboarding, offboarding and SCIM provisioning.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served offline by api.docs
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.owns_database = owns
    app.state.lifespan_hooks = [*REQUIRED_LIFESPAN_HOOKS, *lifespan_hooks]
    errors.install(app)
    principals.install(app)
    api_docs.install(app, openapi_url="/api/v1/openapi.json")
    app.include_router(api_router)
    app.include_router(auth_pages_router)
    app.include_router(recovery_pages_router)
    scim_errors.install(app)
    app.include_router(scim_router)
    web_setup.install(app)
    app.add_middleware(TokenUseMiddleware, database=database)
    app.add_middleware(BodyLimit)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/admin/extensions")

    return app
