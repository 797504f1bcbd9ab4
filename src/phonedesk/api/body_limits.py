"""Request bodies over their limit get 413 before they are read whole (DESIGN §3 "Overload").

An ASGI middleware, so it runs before any parser: a ``Content-Length`` over the
limit is answered at once without reading a byte; a body without one (chunked)
is counted as it streams in, and the moment it passes the limit the client gets
the 413 and the app is told the client went away, so nothing parses the rest.
The answer is rendered like every other error of the address (the REST API's
``{"error": …}``, SCIM's error schema, an HTML page), through ``api.errors``.

Limits: ``PHONEDESK_BODY_MAX_BYTES`` for JSON, forms and SCIM; CSV uploads
``PHONEDESK_IMPORT_MAX_BYTES`` and voicemail or fax deposits
``PHONEDESK_MESSAGE_MAX_BYTES``, each plus room for the multipart framing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from phonedesk.api.errors import Problem, render
from phonedesk.config import Settings

log = logging.getLogger("phonedesk.limits")

# The multipart envelope around an uploaded file: boundaries, part headers, the CSRF field.
MULTIPART_ROOM = 64 * 1024
_IMPORTS = re.compile(r"^/(api/v1|admin)/imports/?$")
_MESSAGES = re.compile(r"^/api/v1/extensions/[^/]+/messages/?$")


def limit_for(path: str, settings: Settings) -> int:
    """The largest body accepted at ``path``."""
    if _IMPORTS.match(path):
        return settings.import_max_bytes + MULTIPART_ROOM
    if _MESSAGES.match(path):
        return settings.message_max_bytes + MULTIPART_ROOM
    return settings.body_max_bytes


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 1 else f"{max(1, limit // 1024)} KB"


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


@dataclass
class _Progress:
    received: int = 0
    refused: bool = False
    started: bool = False


class BodyLimit:
    """Refuse a body over its path's limit with 413, before the app reads it whole."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        log.info("request body over %d bytes refused: %s %s", limit, scope.get("method"),
                 scope.get("path"))
        request = Request(scope)
        problem = Problem(413, "too_large",
                          f"The request is too large: this address accepts at most "
                          f"{_megabytes(limit)}. Send a smaller file or fewer changes at once.",
                          headers={"Connection": "close"})
        await render(request, problem)(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"], scope["app"].state.settings)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        state = _Progress()

        async def counted_receive() -> Message:
            if state.refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state.received += len(message.get("body", b""))
                if state.received > limit:
                    state.refused = True
                    if not state.started:
                        await self._refuse(scope, receive, send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if state.refused:
                return  # the client already has its 413
            if message["type"] == "http.response.start":
                state.started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not state.refused:
                raise
            # The app noticed the cut-off body; the client was answered already.
            log.debug("app stopped after an oversized body", exc_info=True)
