"""Wiring the pages into the app: static files, sign-in redirects, page routers, error pages."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from phonedesk.api import errors
from phonedesk.auth.web import SIGN_IN_PATHS, SignInRequired
from phonedesk.web import pages
from phonedesk.web.pages.common import render_problem
from phonedesk.web.templating import WEB_DIR

# Errors under these prefixes render as HTML pages, never JSON or a stack trace.
PAGE_PREFIXES = ("/admin", "/portal")


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")

    async def sign_in_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        target = SIGN_IN_PATHS[exc.kind] + "?next=" + quote(exc.next_path, safe="/")
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    app.add_exception_handler(SignInRequired, sign_in_required)
    for prefix in PAGE_PREFIXES:
        errors.add_renderer(app, prefix, render_problem)
    for router in pages.routers:
        app.include_router(router, include_in_schema=False)
