"""Mapping errors to responses, once for the whole application.

Every error — a domain error from a service, malformed input, an unknown path,
a lost uniqueness race — is first reduced to a :class:`Problem` (status, code,
message, field). Each interface then renders a Problem its own way: the REST API
as ``{"error": {"code": …, "message": …, "field": …}}``, SCIM in its error
schema, pages as HTML. Each app keeps its renderers by path prefix on
``app.state``: two apps in one process (tests build hundreds) share nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from phonedesk.errors import (
    Busy,
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    Unauthenticated,
    ValidationFailed,
)

log = logging.getLogger("phonedesk.errors")

# PostgreSQL names the constraint; SQLite names the column (profiles.username_key).
USERNAME_CONSTRAINT = "uq_profiles_username_key"

STATUS_BY_KIND: list[tuple[type[DomainError], int]] = [
    (NotFound, 404),
    (Conflict, 409),
    (PreconditionFailed, 412),
    (PermissionDenied, 403),
    (Unauthenticated, 401),
    (ValidationFailed, 422),
    (Busy, 503),
]

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
}


@dataclass
class Problem:
    status: int
    code: str
    message: str
    field: str | None = None
    detail: dict[str, Any] = dataclass_field(default_factory=dict)
    headers: dict[str, str] | None = None
    # The original domain error, for renderers that need its type (SCIM scimType).
    error: DomainError | None = None


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    detail: dict[str, Any] | None = None


class ErrorResponse(BaseModel):
    """The one JSON error shape of ``/api/v1``, as the OpenAPI document describes it."""

    error: ErrorDetail


# Documented on every ``/api/v1`` operation, so that clients generated from the
# OpenAPI document expect ``{"error": …}`` rather than FastAPI's default 422 body.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in [
        (401, "No valid credentials"),
        (403, "Not allowed"),
        (404, "Not found in this account"),
        (409, "Conflicts with the current state"),
        (412, "Stale If-Match version"),
        (413, "Request body over its size limit"),
        (422, "Malformed or invalid input"),
        (503, "Busy: retry after the Retry-After seconds"),
    ]
}

Renderer = Callable[[Request, Problem], Response]


def add_renderer(app: FastAPI, prefix: str, renderer: Renderer) -> None:
    """Render problems of ``app``'s requests under ``prefix`` with ``renderer``.

    The longest matching prefix wins; anything else gets the REST API's JSON.
    """
    renderers: list[tuple[str, Renderer]] = app.state.problem_renderers
    renderers.append((prefix, renderer))
    renderers.sort(key=lambda item: len(item[0]), reverse=True)


def status_for(exc: DomainError) -> int:
    for kind, status in STATUS_BY_KIND:
        if isinstance(exc, kind):
            return status
    return 400


def error_body(problem: Problem) -> dict[str, Any]:
    error: dict[str, Any] = {"code": problem.code, "message": problem.message}
    if problem.field is not None:
        error["field"] = problem.field
    if problem.detail:
        error["detail"] = problem.detail
    return {"error": error}


def render_json(request: Request, problem: Problem) -> Response:
    return JSONResponse(error_body(problem), status_code=problem.status, headers=problem.headers)


def render(request: Request, problem: Problem) -> Response:
    path = request.url.path
    renderers: list[tuple[str, Renderer]] = getattr(request.app.state, "problem_renderers", [])
    for prefix, renderer in renderers:
        if path.startswith(prefix):
            return renderer(request, problem)
    return render_json(request, problem)


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method some route answers at ``path`` (a 405 from one route names only its own)."""
    from fastapi.routing import iter_route_contexts

    matches = [route for route in iter_route_contexts(app.routes)
               if getattr(route, "path_regex", None) is not None and route.methods
               and route.path_regex.match(path)]
    # A fixed path (``/profiles/export.csv``) is its own resource, not a value of
    # ``/profiles/{profile_id}``.
    fixed = [route for route in matches if "{" not in str(route.path)]
    methods: set[str] = set()
    for route in fixed or matches:
        methods |= set(route.methods or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods | {"OPTIONS"}) if methods else []


def method_not_allowed(request: Request) -> Response:
    """OPTIONS answers what the address allows; any other unknown method is 405 with all of it."""
    allow = ", ".join(allowed_methods(request.app, request.url.path))
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    return render(request, Problem(405, "method_not_allowed",
                                   f"{request.method} is not allowed here; use {allow}.",
                                   headers={"Allow": allow}))


def problem_from_domain(exc: DomainError) -> Problem:
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
    if isinstance(exc, Busy):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return Problem(status_for(exc), exc.code, exc.message, exc.field, dict(exc.detail),
                   headers, exc)


def _field_of(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def problem_from_validation(exc: RequestValidationError) -> Problem:
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "Malformed request."}
    fld = _field_of(tuple(first.get("loc", ())))
    message = str(first.get("msg", "Malformed request."))
    if fld:
        message = f"{fld}: {message}"
    details = [
        {"field": _field_of(tuple(e.get("loc", ()))), "message": str(e.get("msg"))}
        for e in errors
    ]
    return Problem(422, "malformed_request", message, fld, {"errors": details})


def install(app: FastAPI) -> None:
    """Register the application-wide exception handlers (and an empty renderer table)."""
    app.state.problem_renderers = []

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        return render(request, problem_from_domain(exc))

    async def malformed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return render(request, problem_from_validation(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 405:
            return method_not_allowed(request)
        if exc.status_code == 400 and not request.url.path.startswith("/scim/"):
            # A body that cannot be parsed (JSON not in UTF-8, broken multipart): malformed,
            # the documented 422 like a body that is not JSON. SCIM keeps its own 400.
            detail = str(exc.detail or "")
            message = ("The request body could not be read: send JSON encoded as UTF-8."
                       if detail == "There was an error parsing the body" else
                       f"The request body could not be read: {detail}")
            return render(request, Problem(422, "malformed_request", message))
        message = str(exc.detail) if exc.detail else "Error."
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return render(request, Problem(exc.status_code, code, message,
                                       headers=getattr(exc, "headers", None)))

    async def integrity(request: Request, exc: Exception) -> Response:
        # A concurrent request won a race the service had checked for. The
        # username race is the one users meet (R-P2): name it like the service does.
        log.info("integrity error mapped to 409: %s", exc.__class__.__name__)
        if USERNAME_CONSTRAINT in str(getattr(exc, "orig", exc)) or (
            "profiles.username_key" in str(getattr(exc, "orig", exc))
        ):
            return render(request, Problem(409, "username_taken", "That username was taken a "
                                           "moment ago by another change. Choose another.",
                                           field="username"))
        return render(request, Problem(409, "conflict", "The change clashes with another one "
                                       "made at the same time. Reload and try again."))

    async def unstorable(request: Request, exc: Exception) -> Response:
        # A value the database cannot hold or compare (PostgreSQL refuses NUL
        # characters even in a search): the client's input, not our fault.
        log.info("data error mapped to 422: %s", exc.__class__.__name__)
        return render(request, Problem(422, "invalid_value", "The request contains a value "
                                       "that cannot be stored or searched for (for example "
                                       "a NUL character). Remove it and try again."))

    async def busy(request: Request, exc: Exception) -> Response:
        # OperationalError (another process held SQLite's lock past busy_timeout, or
        # the database went away) or a pool that stayed empty for WRITE_WAIT_SECONDS.
        log.warning("database busy, mapped to 503: %s", str(exc).splitlines()[0])
        return render(request, Problem(503, "busy", "The service is busy; try again in a "
                                       "moment.", headers={"Retry-After": "2"}))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return render(request, Problem(500, "internal_error", "Something went wrong on our "
                                       "side. The error has been logged."))

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, malformed)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(IntegrityError, integrity)
    app.add_exception_handler(DataError, unstorable)
    app.add_exception_handler(OperationalError, busy)
    app.add_exception_handler(PoolTimeout, busy)
    app.add_exception_handler(Exception, unexpected)
