"""``/scim/v2``: SCIM 2.0 for identity providers (R-S1).

Each account provisions through its own bearer token (kind ``scim``); the token
decides the account, so one account's token never sees another's users
(R-AC1). Handlers parse with scim2-models, call scim/service.py and render;
they hold no rules and run no queries.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from scim2_models import (
    Context,
    PatchOp,
    ResponseParameters,
    SCIMException,
    SearchRequest,
)

from phonedesk.api.common import IfMatch, expected_version
from phonedesk.api.deps import ReadSession, SettingsDep, WriteSession, bearer_token
from phonedesk.auth import tokens
from phonedesk.errors import NotFound, Unauthenticated
from phonedesk.models import Profile
from phonedesk.models.token import KIND_SCIM
from phonedesk.profiles import service as profiles
from phonedesk.scim import models, service
from phonedesk.scim.errors import MEDIA_TYPE, ScimRequestError, from_scim2
from phonedesk.scim.filters import Criteria, parse_filter
from phonedesk.scim.mapping import to_resource, to_state, version_tag
from phonedesk.scope import Actor, Scope

router = APIRouter(prefix="/scim/v2", include_in_schema=False)

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
    actor = Actor(kind="scim", id=token.public_id, label=f"SCIM token “{token.name}”")
    return Scope(db=db, account=account, actor=actor, settings=settings)


def _read_scope(request: Request, db: ReadSession, settings: SettingsDep) -> Scope:
    return _scope(request, db, settings)


def _write_scope(request: Request, db: WriteSession, settings: SettingsDep) -> Scope:
    return _scope(request, db, settings)


ReadScim = Annotated[Scope, Depends(_read_scope)]
WriteScim = Annotated[Scope, Depends(_write_scope)]


async def _json_body(request: Request) -> dict[str, Any]:
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


JsonBody = Annotated[dict[str, Any], Depends(_json_body)]


def _user_id(user_id: str) -> str:
    """Ids are short and printable; anything else names no user (and must not reach SQL)."""
    if len(user_id) > 64 or not user_id.isprintable():
        raise NotFound("No such user profile.", code="profile_not_found")
    return user_id


UserId = Annotated[str, Depends(_user_id)]
Attributes = Annotated[str | None, Query(max_length=2000)]
ExcludedAttributes = Annotated[str | None, Query(alias="excludedAttributes", max_length=2000)]


def _response_parameters(
    attributes: str | None, excluded: str | None
) -> ResponseParameters[Any] | None:
    if not attributes and not excluded:
        return None
    try:
        return ResponseParameters[models.User].model_validate(
            {"attributes": attributes or None, "excludedAttributes": excluded or None}
        )
    except ValidationError as exc:
        raise from_scim2(exc) from None


def _scim(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def _user_body(
    scope: Scope,
    profile: Profile,
    context: Context,
    params: ResponseParameters[Any] | None = None,
) -> dict[str, Any]:
    resource = to_resource(profile, scope.settings.base_url)
    with models.POLICY:
        return resource.model_dump(scim_ctx=context, response_parameters=params)


def _user_response(
    scope: Scope,
    profile: Profile,
    context: Context,
    params: ResponseParameters[Any] | None = None,
    status: int = 200,
) -> JSONResponse:
    body = _user_body(scope, profile, context, params)
    headers = {"ETag": version_tag(profile)}
    if status == 201:
        headers["Location"] = body.get("meta", {}).get("location") or ""
    return _scim(body, status, headers)


def _with_defaults(body: dict[str, Any], *, active: bool) -> dict[str, Any]:
    """Fill what clients commonly leave out: ``schemas`` and ``active``."""
    data = dict(body)
    if "schemas" not in data:
        data["schemas"] = [models.USER_SCHEMA]
    if not any(key.lower() == "active" for key in data):
        data["active"] = active
    return data


def _parse_user(body: dict[str, Any], context: Context, *, active: bool) -> models.User:
    try:
        return models.User.model_validate(
            _with_defaults(body, active=active), scim_ctx=context, scim_policy=models.POLICY
        )
    except ValidationError as exc:
        raise from_scim2(exc) from None


def _location(scope: Scope, path: str) -> str:
    return f"{scope.settings.base_url.rstrip('/')}/scim/v2/{path}"


# --- discovery -----------------------------------------------------------------


def _with_meta(scope: Scope, body: dict[str, Any], resource_type: str, path: str) -> dict:
    body["meta"] = {"resourceType": resource_type, "location": _location(scope, path)}
    return body


def _list(resources: list[dict[str, Any]], *, total: int, start_index: int = 1) -> dict:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


@router.get("/ServiceProviderConfig")
def service_provider_config(scope: ReadScim) -> JSONResponse:
    body = models.service_provider_config().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    body["documentationUri"] = _location(scope, "Schemas")
    return _scim(_with_meta(scope, body, "ServiceProviderConfig", "ServiceProviderConfig"))


def _schemas(scope: Scope) -> list[dict[str, Any]]:
    schemas = [models.user_schema(), models.extension_schema(scope.account.custom_labels())]
    return [
        _with_meta(
            scope,
            schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE),
            "Schema",
            f"Schemas/{schema.id}",
        )
        for schema in schemas
    ]


@router.get("/Schemas")
def list_schemas(scope: ReadScim) -> JSONResponse:
    schemas = _schemas(scope)
    return _scim(_list(schemas, total=len(schemas)))


@router.get("/Schemas/{schema_id}")
def get_schema(schema_id: str, scope: ReadScim) -> JSONResponse:
    for schema in _schemas(scope):
        if schema["id"] == schema_id:
            return _scim(schema)
    raise NotFound(f"There is no schema “{schema_id[:200]}”.")


def _resource_types(scope: Scope) -> list[dict[str, Any]]:
    resource_type = models.user_resource_type()
    body = resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return [_with_meta(scope, body, "ResourceType", f"ResourceTypes/{resource_type.id}")]


@router.get("/ResourceTypes")
def list_resource_types(scope: ReadScim) -> JSONResponse:
    resource_types = _resource_types(scope)
    return _scim(_list(resource_types, total=len(resource_types)))


@router.get("/ResourceTypes/{resource_type_id}")
def get_resource_type(resource_type_id: str, scope: ReadScim) -> JSONResponse:
    for resource_type in _resource_types(scope):
        if resource_type["id"] == resource_type_id:
            return _scim(resource_type)
    raise NotFound(f"There is no resource type “{resource_type_id[:200]}”.")


# --- Users -----------------------------------------------------------------------


def _page_numbers(start_index: int | None, count: int | None) -> tuple[int, int]:
    """RFC 7644 §3.4.2.4: startIndex below 1 means 1, a negative count means 0."""
    start = max(1, start_index or 1)
    size = models.MAX_RESULTS if count is None else max(0, min(count, models.MAX_RESULTS))
    return min(start, 10_000_000), size


def _query_users(
    scope: Scope,
    *,
    filter_text: str | None,
    start_index: int | None,
    count: int | None,
    params: ResponseParameters[Any] | None,
) -> JSONResponse:
    criteria = parse_filter(filter_text) if filter_text and filter_text.strip() else Criteria()
    start, size = _page_numbers(start_index, count)
    rows, total = service.list_users(
        scope, service.UserQuery(criteria=criteria, start_index=start, count=size)
    )
    resources = [
        _user_body(scope, profile, Context.SEARCH_RESPONSE, params) for profile in rows
    ]
    return _scim(_list(resources, total=total, start_index=start))


@router.get("/Users")
def list_users(
    scope: ReadScim,
    filter: Annotated[str | None, Query(max_length=2000)] = None,
    start_index: Annotated[int | None, Query(alias="startIndex")] = None,
    count: Annotated[int | None, Query()] = None,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> JSONResponse:
    params = _response_parameters(attributes, excluded_attributes)
    return _query_users(
        scope, filter_text=filter, start_index=start_index, count=count, params=params
    )


def _search(scope: Scope, body: dict[str, Any]) -> JSONResponse:
    try:
        request = SearchRequest[models.User].model_validate(
            body, scim_ctx=Context.SEARCH_REQUEST, scim_policy=models.POLICY
        )
    except ValidationError as exc:
        raise from_scim2(exc) from None
    params = None
    if request.attributes or request.excluded_attributes:
        params = ResponseParameters[models.User](
            attributes=request.attributes, excluded_attributes=request.excluded_attributes
        )
    return _query_users(
        scope,
        filter_text=str(request.filter) if request.filter else None,
        start_index=request.start_index,
        count=request.count,
        params=params,
    )


@router.post("/Users/.search")
def search_users(scope: ReadScim, body: JsonBody) -> JSONResponse:
    return _search(scope, body)


@router.post("/.search")
def search_all(scope: ReadScim, body: JsonBody) -> JSONResponse:
    """Users are the only resource type, so a root search is a Users search."""
    return _search(scope, body)


@router.post("/Users")
def create_user(
    scope: WriteScim,
    body: JsonBody,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> JSONResponse:
    params = _response_parameters(attributes, excluded_attributes)
    user = _parse_user(body, Context.RESOURCE_CREATION_REQUEST, active=True)
    profile = service.create_user(scope, to_state(user))
    return _user_response(scope, profile, Context.RESOURCE_CREATION_RESPONSE, params, 201)


@router.get("/Users/{user_id}")
def get_user(
    user_id: UserId,
    scope: ReadScim,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> JSONResponse:
    params = _response_parameters(attributes, excluded_attributes)
    profile = profiles.get_profile(scope, user_id)
    return _user_response(scope, profile, Context.RESOURCE_QUERY_RESPONSE, params)


@router.put("/Users/{user_id}")
def replace_user(
    user_id: UserId,
    scope: WriteScim,
    body: JsonBody,
    if_match: IfMatch = None,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> JSONResponse:
    params = _response_parameters(attributes, excluded_attributes)
    version = expected_version(if_match)
    current = profiles.get_profile(scope, user_id)
    user = _parse_user(
        body, Context.RESOURCE_REPLACEMENT_REQUEST, active=current.status == "active"
    )
    profile = service.apply_user(scope, user_id, to_state(user), expected_version=version)
    return _user_response(scope, profile, Context.RESOURCE_REPLACEMENT_RESPONSE, params)


@router.patch("/Users/{user_id}")
def patch_user(
    user_id: UserId,
    scope: WriteScim,
    body: JsonBody,
    if_match: IfMatch = None,
    attributes: Attributes = None,
    excluded_attributes: ExcludedAttributes = None,
) -> JSONResponse:
    params = _response_parameters(attributes, excluded_attributes)
    version = expected_version(if_match)
    current = profiles.get_profile(scope, user_id)
    user = to_resource(current, scope.settings.base_url)
    try:
        patch = PatchOp[models.User].model_validate(
            body, scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=models.POLICY
        )
        patch.patch(user, scim_policy=models.POLICY)
    except (ValidationError, SCIMException) as exc:
        raise from_scim2(exc) from None
    profile = service.apply_user(scope, user_id, to_state(user), expected_version=version)
    return _user_response(scope, profile, Context.RESOURCE_PATCH_RESPONSE, params)


@router.delete("/Users/{user_id}", status_code=204)
def delete_user(user_id: UserId, scope: WriteScim, if_match: IfMatch = None) -> Response:
    profiles.deprovision_profile(scope, user_id, expected_version=expected_version(if_match))
    return Response(status_code=204)
