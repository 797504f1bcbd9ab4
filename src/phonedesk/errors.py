"""The domain error tree.

Services raise these and know nothing of HTTP; each interface (REST, SCIM,
pages, CLI) maps the *kind* of error once. ``code`` is a stable machine word for
scripts; ``message`` is written for a non-technical administrator.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a user can cause."""

    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field
        self.detail = detail or {}


class ValidationFailed(DomainError):
    """The input breaks a rule about a single value (422)."""

    code = "validation_failed"


class NotFound(DomainError):
    """The object does not exist *in this account* (404, never a leak)."""

    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (409)."""

    code = "conflict"


class PreconditionFailed(DomainError):
    """The client's copy is stale (412)."""

    code = "stale"


class PermissionDenied(DomainError):
    """The caller may not do this (403)."""

    code = "forbidden"


class Busy(DomainError):
    """Too many writers at once: the wait for a turn ran out (503, retry shortly)."""

    code = "busy"
    retry_after_seconds = 2


class Unauthenticated(DomainError):
    """No valid credentials (401)."""

    code = "unauthenticated"


class InvalidFields(ValidationFailed):
    """Several values break their rules at once (422), so a form can flag every one.

    ``message``, ``code`` and ``field`` are the first error's, so a caller that
    handles one error keeps working; ``errors`` holds them all and
    ``detail["errors"]`` lists them for API clients.
    """

    def __init__(self, errors: list[DomainError]) -> None:
        first = errors[0]
        super().__init__(
            first.message,
            code=first.code,
            field=first.field,
            detail={"errors": [{"field": e.field, "code": e.code, "message": e.message}
                               for e in errors]},
        )
        self.errors = errors


def raise_all(errors: list[DomainError]) -> None:
    """Raise nothing, the one error, or :class:`InvalidFields` with all of them."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidFields(errors)
