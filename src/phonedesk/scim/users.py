"""``/scim/v2/Users`` (R-S1): list, search, get, create, replace, PATCH, delete.

Handlers parse with scim2-models, call scim/service.py (which calls the profile
service) and render; they hold no rules and run no queries.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
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
from phonedesk.errors import NotFound
from phonedesk.models import Profile
from phonedesk.profiles import provisioning
from phonedesk.profiles import service as profiles
from phonedesk.scim import models, service
from phonedesk.scim.errors import from_scim2
from phonedesk.scim.filters import Criteria, parse_filter
from phonedesk.scim.http import (
    JsonBody,
    ReadScim,
    WriteScim,
    list_response,
    scim_response,
)
from phonedesk.scim.mapping import keep_unsent, to_resource, to_state, version_tag
from phonedesk.scope import Scope

router = APIRouter()

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
    return scim_response(body, status, headers)


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


def _user_id(user_id: str) -> str:
    """Ids are short and printable; anything else names no user (and must not reach SQL)."""
    if len(user_id) > 64 or not user_id.isprintable():
        raise NotFound("No such user profile.", code="profile_not_found")
    return user_id


UserId = Annotated[str, Depends(_user_id)]


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
    return scim_response(list_response(resources, total=total, start_index=start))


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
    user = _parse_user(body, Context.RESOURCE_REPLACEMENT_REQUEST, active=current.is_active)
    state = keep_unsent(to_state(user), body, current)
    profile = service.apply_user(scope, user_id, state, expected_version=version)
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
    provisioning.deprovision_profile(scope, user_id, expected_version=expected_version(if_match))
    return Response(status_code=204)
