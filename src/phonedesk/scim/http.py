"""Request plumbing shared by the SCIM endpoints: credentials, bodies, responses.

Each account provisions through its own bearer token (kind ``scim``); the token
decides the account, so one account's token never sees another's users
(R-AC1). The request owns the transaction, as everywhere in PhoneDesk.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from phonedesk.api.deps import ReadSession, SettingsDep, WriteSession, bearer_token
from phonedesk.auth import token_usage, tokens
from phonedesk.errors import Unauthenticated
from phonedesk.models.token import KIND_SCIM
from phonedesk.scim.errors import MEDIA_TYPE, ScimRequestError
from phonedesk.scope import Actor, Scope

MAX_BODY_BYTES = 1_000_000
_ACCEPTED_TYPES = ("application/scim+json", "application/json")
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


# --- request plumbing ----------------------------------------------------------


def _scope(request: Request, db: Any, settings: Any) -> Scope:
    secret = bearer_token(request)
    if secret is None:
        raise Unauthenticated(
            "Send the account's SCIM token as “Authorization: Bearer <token>”; create one "
            "with `phonedesk tokens create --scim`."
        )
    token, account = tokens.authenticate(db, secret, kind=KIND_SCIM)
    token_usage.note(request, token)
    actor = Actor(kind="scim", id=token.public_id, label=f"SCIM token “{token.name}”")
    return Scope(db=db, account=account, actor=actor, settings=settings)


def _read_scope(request: Request, db: ReadSession, settings: SettingsDep) -> Scope:
    return _scope(request, db, settings)


def _write_scope(request: Request, db: WriteSession, settings: SettingsDep) -> Scope:
    return _scope(request, db, settings)


ReadScim = Annotated[Scope, Depends(_read_scope)]
WriteScim = Annotated[Scope, Depends(_write_scope)]


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; both SCIM and plain JSON media types are accepted."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type and media_type not in _ACCEPTED_TYPES:
        raise ScimRequestError(
            f"Send the body as application/scim+json or application/json, not {media_type}.",
            status=415,
        )
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ScimRequestError("The request body is too large.", status=413)
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ScimRequestError(
            "The request body is not valid JSON.", scim_type="invalidSyntax"
        ) from None
    if not isinstance(data, dict):
        raise ScimRequestError(
            "The request body must be a JSON object.", scim_type="invalidSyntax"
        )
    return data


JsonBody = Annotated[dict[str, Any], Depends(json_body)]





def scim_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def location(scope: Scope, path: str) -> str:
    return f"{scope.settings.base_url.rstrip('/')}/scim/v2/{path}"


def with_meta(scope: Scope, body: dict[str, Any], resource_type: str, path: str) -> dict:
    body["meta"] = {"resourceType": resource_type, "location": location(scope, path)}
    return body


def list_response(resources: list[dict[str, Any]], *, total: int, start_index: int = 1) -> dict:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
