"""REST endpoints for voicemail and fax (R-M1).

The PBX deposits with an account API token; administrators list an extension's
messages; signed-in portal users list, download and delete their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Query, Response, UploadFile
from fastapi.responses import FileResponse

from phonedesk.api.deps import ReadScope, WriteScope
from phonedesk.auth.portal_api import PortalReader, PortalWriter
from phonedesk.messages import service
from phonedesk.messages.schemas import MessageList, MessageOut

router = APIRouter(tags=["messages"])


@router.post(
    "/extensions/{number}/messages",
    status_code=201,
    response_model=MessageOut,
    summary="Deposit a voicemail (WAV, MP3, OGG, M4A) or a fax (PDF) for an extension",
)
def deposit_message(
    number: str,
    scope: WriteScope,
    response: Response,
    file: Annotated[UploadFile, File(description="The recording or the fax as a PDF")],
    caller_number: Annotated[str | None, Form(max_length=200)] = None,
    received_at: Annotated[datetime | None, Form(description="When the call came in")] = None,
) -> MessageOut:
    data = file.file.read(scope.settings.message_max_bytes + 1)
    message = service.deposit(
        scope, number=number, data=data, caller_number=caller_number, received_at=received_at
    )
    response.headers["Location"] = f"/api/v1/extensions/{number}/messages/{message.public_id}"
    return MessageOut.build(service.MessageView(message=message, extension_number=number))


@router.get(
    "/extensions/{number}/messages",
    response_model=MessageList,
    summary="List an extension's voicemails and faxes (administrators)",
)
def list_extension_messages(number: str, scope: ReadScope) -> MessageList:
    return MessageList(
        items=[MessageOut.build(v) for v in service.list_for_extension(scope, number)]
    )


@router.get(
    "/portal/messages",
    response_model=MessageList,
    summary="My voicemails and faxes (signed-in Virtual Office user)",
)
def list_my_messages(
    user: PortalReader,
    kind: Annotated[str | None, Query(max_length=20, description="voicemail or fax")] = None,
) -> MessageList:
    views = service.list_for_portal_user(user.scope, user.profile, kind=kind)
    return MessageList(items=[MessageOut.build(v, portal=True) for v in views])


@router.get(
    "/portal/messages/{message_id}/file",
    response_class=FileResponse,
    summary="Play or download one of my messages",
)
def download_my_message(message_id: str, user: PortalReader) -> FileResponse:
    view = service.get_for_portal_user(user.scope, user.profile, message_id)
    found = service.open_file(user.scope, view)
    return FileResponse(
        found.path,
        media_type=found.content_type,
        filename=found.download_name,
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@router.delete(
    "/portal/messages/{message_id}", status_code=204, summary="Delete one of my messages"
)
def delete_my_message(message_id: str, user: PortalWriter, background: BackgroundTasks) -> Response:
    storage_name = service.delete(user.scope, user.profile, message_id)
    # Runs after the response, so after the request's transaction has committed.
    background.add_task(service.remove_file, user.scope, storage_name)
    return Response(status_code=204)
