"""Virtual Office → *Set up the mobile app*, and the one-time provisioning link (R-SW3).

The page shows a new softphone credential once (``Cache-Control: no-store``):
the settings to type in, and a QR code of a one-time URL serving Linphone's
remote-provisioning XML, which the app scans instead. The link is public by
design — its unguessable token is the secret — and is spent by the first read.
"""

from __future__ import annotations

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response

from phonedesk.api.deps import SettingsDep, WriteSession
from phonedesk.auth.web import PortalAction
from phonedesk.errors import NotFound
from phonedesk.switch import provisioning, softphones
from phonedesk.web.pages.common import attempt, redirect, render

router = APIRouter()


def qr_data_uri(url: str) -> str:
    """The URL as a PNG QR code (segno, pure Python), ready for an ``<img src>``."""
    return str(segno.make(url, error="m").png_data_uri(scale=5, border=4))


@router.post("/portal/extensions/{number}/mobile-app")
def set_up_mobile_app(request: Request, number: str, web: PortalAction) -> Response:
    """Create (or replace) the signed-in user's softphone credential on ``number``."""
    issued, errors = attempt(web, lambda: softphones.issue(web.scope, web.active.profile,
                                                           number))
    if issued is None:
        return redirect("/portal/extensions",
                        f"The mobile app was not set up. {errors.get('_form') or ''}".strip())
    response = render(request, web, "portal/mobile_app.html", section="extensions",
                      issued=issued, sip=issued.sip, qr=qr_data_uri(issued.provisioning_url),
                      settings_minutes=web.scope.settings.softphone_link_minutes)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(provisioning.PATH + "{token}")
def provisioning_document(token: str, db: WriteSession, settings: SettingsDep) -> Response:
    """Linphone's remote provisioning: the account's XML, once."""
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    try:
        xml = provisioning.redeem(db, settings.switch_proxy, token)
    except NotFound as exc:
        return Response(str(exc) + "\n", status_code=404, media_type="text/plain",
                        headers=headers)
    return Response(xml, media_type=provisioning.CONTENT_TYPE, headers=headers)
