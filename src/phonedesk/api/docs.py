"""Swagger UI for ``/api/v1``, served from the installed package, never from a CDN.

FastAPI's built-in docs page loads its JavaScript and CSS from a public CDN; on an
offline machine (DESIGN §3) that page stays blank. The same Swagger UI release is
vendored by the pinned ``swagger-ui-bundle-v2`` package and served from here.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/api/v1/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"


def install(app: FastAPI, *, openapi_url: str) -> None:
    """Serve the docs page and its assets; call with ``docs_url=None`` on the app."""
    app.mount(ASSETS_PATH, StaticFiles(directory=str(swagger_ui_path)), name="swagger-ui")

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url="data:,",
        )
