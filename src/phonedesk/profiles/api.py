"""REST endpoints for user profiles, roles and the primary administrator."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from phonedesk.api.common import (
    After,
    IfMatch,
    Limit,
    Offset,
    Page,
    Search,
    etag,
    expected_version,
)
from phonedesk.api.deps import ReadScope, WriteScope
from phonedesk.models import Profile
from phonedesk.profiles import roles, service
from phonedesk.profiles.schemas import (
    AdminOut,
    PrimaryAdminTransfer,
    ProfileCreate,
    ProfileOut,
    ProfileUpdate,
    RoleUpdate,
)
from phonedesk.scope import Scope

router = APIRouter(tags=["profiles"])


def _out(scope: Scope, profile: Profile, response: Response | None = None) -> ProfileOut:
    numbers = service.extension_numbers(scope, [profile.id])[profile.id]
    if response is not None:
        response.headers["ETag"] = etag(profile.version)
    return ProfileOut.build(scope.account, profile, numbers)


@router.get("/profiles", response_model=Page[ProfileOut], summary="List profiles")
def list_profiles(
    scope: ReadScope,
    q: Search = None,
    status: Annotated[Literal["active", "disabled"] | None, Query()] = None,
    sort: Annotated[
        Literal["last_name", "first_name", "email", "username", "status", "created_at"], Query()
    ] = "last_name",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
    limit: Limit = 50,
    offset: Offset = 0,
    after: After = None,
) -> Page[ProfileOut]:
    query = service.ProfileQuery(q=q, status=status, sort=sort, descending=order == "desc",
                                 limit=limit, offset=offset, after=after)
    rows, total = service.list_profiles(scope, query)
    numbers = service.extension_numbers(scope, [p.id for p in rows])
    items = [ProfileOut.build(scope.account, p, numbers[p.id]) for p in rows]
    return Page[ProfileOut](items=items, total=total, limit=limit, offset=offset,
                            total_exact=total.exact, next=service.next_cursor(query, rows))


@router.post("/profiles", status_code=201, response_model=ProfileOut, summary="Create a profile")
def create_profile(body: ProfileCreate, scope: WriteScope, response: Response) -> ProfileOut:
    profile = service.create_profile(scope, **body.model_dump())
    response.headers["Location"] = f"/api/v1/profiles/{profile.public_id}"
    return _out(scope, profile, response)


@router.get("/profiles/{profile_id}", response_model=ProfileOut, summary="Read a profile")
def read_profile(profile_id: str, scope: ReadScope, response: Response) -> ProfileOut:
    return _out(scope, service.get_profile(scope, profile_id), response)


@router.patch("/profiles/{profile_id}", response_model=ProfileOut, summary="Update a profile")
def update_profile(
    profile_id: str, body: ProfileUpdate, scope: WriteScope, response: Response,
    if_match: IfMatch = None,
) -> ProfileOut:
    profile = service.update_profile(
        scope,
        profile_id,
        body.model_dump(exclude_unset=True, exclude={"username_follows_email"}),
        expected_version=expected_version(if_match),
        username_follows_email=body.username_follows_email,
    )
    return _out(scope, profile, response)


@router.delete("/profiles/{profile_id}", status_code=204, summary="Delete (archive) a profile")
def delete_profile(profile_id: str, scope: WriteScope, if_match: IfMatch = None) -> Response:
    service.delete_profile(scope, profile_id, expected_version=expected_version(if_match))
    return Response(status_code=204)


@router.post("/profiles/{profile_id}/disable", response_model=ProfileOut,
             summary="Disable a profile: its extensions move to the primary administrator")
def disable_profile(
    profile_id: str, scope: WriteScope, response: Response, if_match: IfMatch = None
) -> ProfileOut:
    profile = service.disable_profile(
        scope, profile_id, expected_version=expected_version(if_match)
    )
    return _out(scope, profile, response)


@router.post("/profiles/{profile_id}/enable", response_model=ProfileOut,
             summary="Enable a profile")
def enable_profile(
    profile_id: str, scope: WriteScope, response: Response, if_match: IfMatch = None
) -> ProfileOut:
    profile = service.enable_profile(
        scope, profile_id, expected_version=expected_version(if_match)
    )
    return _out(scope, profile, response)


@router.put("/profiles/{profile_id}/role", response_model=ProfileOut,
            summary="Grant, change or remove admin rights")
def set_role(profile_id: str, body: RoleUpdate, scope: WriteScope,
             response: Response) -> ProfileOut:
    return _out(scope, roles.set_role(scope, profile_id, body.role), response)


@router.post("/profiles/{profile_id}/setup-link", response_model=ProfileOut,
             summary="Email a new password setup link (voids older ones)")
def resend_setup_link(profile_id: str, scope: WriteScope, response: Response) -> ProfileOut:
    return _out(scope, service.resend_setup_link(scope, profile_id), response)


@router.get("/roles", response_model=list[AdminOut], summary="Profiles with admin rights")
def list_admins(scope: ReadScope) -> list[AdminOut]:
    rows = roles.list_admins(scope)
    result = []
    for profile in rows:
        role = roles.role_of(scope.account, profile)
        result.append(AdminOut(profile_id=profile.public_id, first_name=profile.first_name,
                               last_name=profile.last_name, username=profile.username,
                               role=role))
    return result


@router.put("/primary-administrator", response_model=ProfileOut,
            summary="Transfer the primary administrator role")
def transfer_primary_admin(body: PrimaryAdminTransfer, scope: WriteScope,
                           response: Response) -> ProfileOut:
    return _out(scope, roles.transfer_primary_admin(scope, body.profile_id), response)
