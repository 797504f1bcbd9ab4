"""Virtual Office portal: my extensions, my messages, the directory (R-E4, R-M1, R-DIR1).

Sign-in and password setup are the identity pages; these need a portal session.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from phonedesk.auth.web import PortalAction, PortalPage, WebContext
from phonedesk.extensions import portal as my_extensions
from phonedesk.messages import service as messages
from phonedesk.models import Extension
from phonedesk.switch import softphones
from phonedesk.web.pages.common import attempt, redirect, render, render_directory

router = APIRouter(prefix="/portal")

Email = Annotated[str, Form(max_length=1000)]


@router.get("")
def home() -> Response:
    return RedirectResponse("/portal/extensions", status_code=303)


def _extensions_context(web: WebContext) -> dict[str, Any]:
    me = web.active.profile
    rows = my_extensions.list_own(web.scope, me)
    # Set up the mobile app: on the user's own Virtual Office extensions (R-SW3).
    mobile = {e.number: softphones.has_softphone(web.scope, me, e) for e in rows
              if e.profile_id == me.id and e.virtual_office_enabled}
    return {"section": "extensions", "rows": rows, "values": {}, "errors": {},
            "mobile": mobile}


@router.get("/extensions")
def extensions_page(request: Request, web: PortalPage) -> Response:
    return render(request, web, "portal/extensions.html", **_extensions_context(web))


@router.post("/extensions/{number}")
def save_extension(request: Request, number: str, web: PortalAction,
                   voicemail_email: Email = "", fax_email: Email = "",
                   orig_voicemail_email: Email = "", orig_fax_email: Email = "") -> Response:
    """Edit this extension's notification addresses; the profile is untouched (R-E4)."""
    scope = web.scope
    typed = {"voicemail_email": voicemail_email, "fax_email": fax_email}
    orig = {"voicemail_email": orig_voicemail_email, "fax_email": orig_fax_email}
    changes = {k: v.strip() for k, v in typed.items() if v.strip() != orig[k].strip()}

    def act() -> Extension:
        return my_extensions.update_own(scope, web.active.profile, number, changes)

    done, errors = attempt(web, act, known=set(typed))
    if done is not None:
        return redirect("/portal/extensions",
                        f"Saved. Extension {number}'s notifications go to the new address; your "
                        "profile and other extensions are unchanged.")
    ctx = _extensions_context(web)
    ctx.update(values={number: typed}, errors={number: errors})
    return render(request, web, "portal/extensions.html", status_code=422, **ctx)


@router.get("/messages")
def messages_page(request: Request, web: PortalPage,
                  kind: Annotated[str | None, Query(max_length=10)] = None) -> Response:
    kind = kind if kind in ("voicemail", "fax") else None
    rows = messages.list_for_portal_user(web.scope, web.active.profile, kind=kind)
    return render(request, web, "portal/messages.html", section="messages", rows=rows,
                  kind=kind or "")


@router.get("/messages/{message_id}/file")
def message_file(message_id: str, web: PortalPage,
                 download: Annotated[int, Query(ge=0, le=1)] = 0) -> Response:
    """The audio for the in-page player, or the fax PDF as a download."""
    view = messages.get_for_portal_user(web.scope, web.active.profile, message_id)
    found = messages.open_file(web.scope, view)
    disposition = "attachment" if download else "inline"
    return FileResponse(found.path, media_type=found.content_type,
                        filename=found.download_name, content_disposition_type=disposition,
                        headers={"Cache-Control": "private, no-store"})


@router.post("/messages/{message_id}/delete")
def delete_message(message_id: str, web: PortalAction) -> Response:
    """Delete a message; its file goes once the deletion is committed."""
    storage_name = messages.delete(web.scope, web.active.profile, message_id)
    response = redirect("/portal/messages", "The message was deleted.")
    response.background = BackgroundTask(messages.remove_file, web.scope, storage_name)
    return response


@router.get("/directory")
def directory_page(request: Request, web: PortalPage,
                   q: Annotated[str | None, Query(max_length=200)] = None,
                   page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    """The account's directory, for its signed-in portal users too (R-DIR1)."""
    return render_directory(request, web, q, page, area="portal")
