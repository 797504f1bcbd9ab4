"""REST endpoints for extensions and their assigned profile."""

from __future__ import annotations

from fastapi import APIRouter, Response

from phonedesk.api.common import IfMatch, Limit, Offset, Page, Search, etag, expected_version
from phonedesk.api.deps import ReadScope, WriteScope
from phonedesk.extensions import lifecycle, service
from phonedesk.extensions.schemas import (
    AssignProfile,
    ExtensionCreate,
    ExtensionCreated,
    ExtensionOut,
    ExtensionUpdate,
)
from phonedesk.models import Extension, Profile
from phonedesk.profiles import service as profiles
from phonedesk.scope import Scope
from phonedesk.switch.schemas import SipCredentialOut

router = APIRouter(tags=["extensions"])


def _out(scope: Scope, extension: Extension, response: Response | None = None) -> ExtensionOut:
    assigned = scope.db.get(Profile, extension.profile_id) if extension.profile_id else None
    holder = assigned or profiles.primary_admin(scope)
    if response is not None:
        response.headers["ETag"] = etag(extension.version)
    return ExtensionOut.build(extension, assigned, holder)


@router.get("/extensions", response_model=Page[ExtensionOut], summary="List extensions")
def list_extensions(
    scope: ReadScope, q: Search = None, profile_id: Search = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Page[ExtensionOut]:
    rows, total = service.list_extensions(
        scope, service.ExtensionQuery(q=q, profile_id=profile_id, limit=limit, offset=offset)
    )
    pa = profiles.primary_admin(scope)
    items = [ExtensionOut.build(ext, prof, prof or pa) for ext, prof in rows]
    return Page[ExtensionOut](items=items, total=total, limit=limit, offset=offset)


@router.post("/extensions", status_code=201, response_model=ExtensionCreated,
             summary="Create an extension (held by the primary administrator until assigned); "
             "the answer holds its desk phone's SIP password, shown this once")
def create_extension(body: ExtensionCreate, scope: WriteScope,
                     response: Response) -> ExtensionCreated:
    created = lifecycle.create_extension(scope, **body.model_dump())
    response.headers["Location"] = f"/api/v1/extensions/{created.extension.number}"
    response.headers["Cache-Control"] = "no-store"
    out = _out(scope, created.extension, response)
    return ExtensionCreated(**out.model_dump(), sip=SipCredentialOut.build(created.sip))


@router.delete("/extensions/{number}", status_code=204,
               summary="Delete an extension that holds no undeleted voicemail or fax")
def delete_extension(number: str, scope: WriteScope) -> Response:
    lifecycle.delete_extension(scope, number)
    return Response(status_code=204)


@router.get("/extensions/{number}", response_model=ExtensionOut, summary="Read an extension")
def read_extension(number: str, scope: ReadScope, response: Response) -> ExtensionOut:
    return _out(scope, service.get_extension(scope, number), response)


@router.patch("/extensions/{number}", response_model=ExtensionOut,
              summary="Edit caller ID, notification addresses or Enable Virtual Office")
def update_extension(number: str, body: ExtensionUpdate, scope: WriteScope,
                     response: Response, if_match: IfMatch = None) -> ExtensionOut:
    changes = body.model_dump(exclude_unset=True)
    if changes.get("virtual_office_enabled", True) is None:
        changes.pop("virtual_office_enabled")
    extension = service.update_extension(
        scope, number, changes, expected_version=expected_version(if_match)
    )
    return _out(scope, extension, response)


@router.put("/extensions/{number}/profile", response_model=ExtensionOut,
            summary="Assign a profile to the extension (emails the profile)")
def assign_profile(number: str, body: AssignProfile, scope: WriteScope,
                   response: Response) -> ExtensionOut:
    return _out(scope, service.assign_profile(scope, number, body.profile_id), response)


@router.delete("/extensions/{number}/profile", response_model=ExtensionOut,
               summary="Remove the profile: the primary administrator holds the extension")
def remove_profile(number: str, scope: WriteScope, response: Response) -> ExtensionOut:
    return _out(scope, service.remove_profile(scope, number), response)
