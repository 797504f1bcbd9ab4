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
from phonedesk.models import Extension
from phonedesk.scope import Scope
from phonedesk.switch import domains, registrations
from phonedesk.switch.schemas import RegistrationsOut, SipCredentialOut

router = APIRouter(tags=["extensions"])


def _out(scope: Scope, extension: Extension, response: Response | None = None) -> ExtensionOut:
    if response is not None:
        response.headers["ETag"] = etag(extension.version)
    return ExtensionOut.build(service.held(scope, extension))


@router.get("/extensions", response_model=Page[ExtensionOut], summary="List extensions")
def list_extensions(
    scope: ReadScope, q: Search = None, profile_id: Search = None,
    limit: Limit = 50, offset: Offset = 0,
) -> Page[ExtensionOut]:
    rows, total = service.list_extensions(
        scope, service.ExtensionQuery(q=q, profile_id=profile_id, limit=limit, offset=offset)
    )
    items = [ExtensionOut.build(row) for row in rows]
    return Page[ExtensionOut](items=items, total=total, limit=limit, offset=offset,
                              total_exact=total.exact)


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
              summary="Edit Extension: assign a profile, caller ID, notification addresses, "
                      "Enable Virtual Office")
def update_extension(number: str, body: ExtensionUpdate, scope: WriteScope,
                     response: Response, if_match: IfMatch = None) -> ExtensionOut:
    """What the Edit Extension screen's Save Changes does, in its order (R-E3, R-E4, R-V1)."""
    changes = body.model_dump(exclude_unset=True)
    saved = service.save(
        scope, number, profile_id=changes.pop("profile_id", None),
        virtual_office_enabled=changes.pop("virtual_office_enabled", None), changes=changes,
        expected_version=expected_version(if_match),
    )
    return _out(scope, saved.extension, response)


@router.put("/extensions/{number}/profile", response_model=ExtensionOut,
            summary="Assign a profile to the extension (emails the profile)")
def assign_profile(number: str, body: AssignProfile, scope: WriteScope,
                   response: Response) -> ExtensionOut:
    return _out(scope, service.assign_profile(scope, number, body.profile_id), response)


@router.delete("/extensions/{number}/profile", response_model=ExtensionOut,
               summary="Remove the profile: the primary administrator holds the extension")
def remove_profile(number: str, scope: WriteScope, response: Response) -> ExtensionOut:
    return _out(scope, service.remove_profile(scope, number), response)


@router.post("/extensions/{number}/sip-password", response_model=SipCredentialOut,
             summary="Reset the desk phone's SIP password (shown once; the old one stops "
             "working and its registration ends)")
def reset_sip_password(number: str, scope: WriteScope, response: Response) -> SipCredentialOut:
    issued = lifecycle.reset_sip_password(scope, number)
    response.headers["Cache-Control"] = "no-store"
    return SipCredentialOut.build(issued)


@router.get("/extensions/{number}/registrations", response_model=RegistrationsOut,
            summary="The phones registered on the extension now (desk phone and softphones), "
            "read from the switch; switch=unreachable when it does not answer")
def read_registrations(number: str, scope: ReadScope, response: Response) -> RegistrationsOut:
    extension = service.get_extension(scope, number)
    status = registrations.of_extension(scope.settings, extension.number,
                                        domains.get(scope).domain)
    response.headers["Cache-Control"] = "no-store"
    return RegistrationsOut.build(extension.number, status)
