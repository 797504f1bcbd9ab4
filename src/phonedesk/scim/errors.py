"""SCIM error bodies (RFC 7644 §3.12), rendered once for every path under /scim/.

Services raise the same domain errors for every interface; this module decides
how each kind looks to an identity provider: a validation error is ``400
invalidValue``, a taken username ``409 uniqueness``, a stale version ``412``.
Errors only SCIM can produce (a filter PhoneDesk does not support, a malformed
PATCH) are :class:`ScimRequestError`, which carries its own status and keyword.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from scim2_models import Error, SCIMException
from starlette.responses import Response

from phonedesk.api.errors import Problem, add_renderer
from phonedesk.errors import DomainError, ValidationFailed
from phonedesk.profiles.fields import USERNAME

MEDIA_TYPE = "application/scim+json"


class ScimRequestError(DomainError):
    """A request the SCIM protocol itself refuses, with its HTTP status and scimType."""

    code = "scim_error"

    def __init__(self, message: str, *, status: int = 400, scim_type: str | None = None) -> None:
        super().__init__(message, code=scim_type or "scim_error")
        self.status = status
        self.scim_type = scim_type


def from_scim2(exc: ValidationError | SCIMException) -> ScimRequestError:
    """Carry what scim2-models found wrong in a payload into our error tree."""
    if isinstance(exc, SCIMException):
        error = exc.to_error()
    else:
        errors = Error.from_validation_errors(exc)
        error = errors[0] if errors else Error(status=400, detail="Malformed request.")
    status = error.status or 400
    if not 400 <= status < 600:
        status = 400
    return ScimRequestError(
        error.detail or "Malformed request.", status=status, scim_type=error.scim_type
    )


_USERNAME_HINT = (
    f" PhoneDesk usernames are sign-in names of at most {USERNAME.limit} characters: in "
    "the identity provider, map userName to a shorter attribute (for example the "
    "part of the email address before the @, or mailNickname)."
)


def _status_and_type(problem: Problem) -> tuple[int, str | None, str]:
    error = problem.error
    message = problem.message
    if isinstance(error, ScimRequestError):
        return error.status, error.scim_type, message
    if isinstance(error, ValidationFailed):
        if error.field == "username" and error.code in ("too_long", "username_required"):
            message += _USERNAME_HINT
        return 400, "invalidValue", message
    if problem.code in ("malformed_request", "invalid_value"):
        return 400, "invalidValue", message
    if problem.code in ("conflict", "username_taken") and problem.status == 409:
        # A taken username, whether the profile service found it or a unique
        # constraint lost to a concurrent request did: for SCIM users, uniqueness.
        return 409, "uniqueness", message
    return problem.status, None, message


def render_scim(request: Request, problem: Problem) -> Response:
    """Render any problem under /scim/ as a SCIM Error message."""
    status, scim_type, detail = _status_and_type(problem)
    body = Error(status=status, scim_type=scim_type, detail=detail).model_dump()
    return JSONResponse(body, status_code=status, headers=problem.headers, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    """Render ``app``'s errors under /scim/ as SCIM errors."""
    add_renderer(app, "/scim/", render_scim)
