"""A setup link's token leaves the address bar before anything can log it (DESIGN §3).

The emailed link ``/password/setup/<token>`` is answered by one redirect to the
token-free ``/password/setup`` that hands the token over in a short-lived
``HttpOnly`` cookie limited to that path. Every later request (the confirmation,
the form, its submission) carries the token only in the cookie, so the address
that browsers keep in their history, send as ``Referer`` or that a proxy logs
holds no secret; the access log redacts the one request that did.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from phonedesk.config import Settings

COOKIE = "phonedesk_setup"
PATH = "/password/setup"
LIFETIME_SECONDS = 30 * 60  # long enough to choose a password; the link itself stays valid


def trade(token: str, settings: Settings, step: str | None) -> Response:
    """Answer the emailed link: the token goes into the cookie, the browser to ``PATH``."""
    target = PATH + ("?" + urlencode({"step": step}) if step else "")
    response = RedirectResponse(target, status_code=303,
                                headers={"Cache-Control": "no-store",
                                         "Referrer-Policy": "no-referrer"})
    response.set_cookie(COOKIE, token, max_age=LIFETIME_SECONDS, httponly=True,
                        samesite="lax", secure=settings.base_url_is_https, path=PATH)
    return response


def token_of(request: Request) -> str:
    """The token this browser was given ("" when it has none: an unknown link)."""
    return request.cookies.get(COOKIE, "")


def forget(response: Response, settings: Settings) -> Response:
    """Once the password is made, the cookie goes."""
    response.delete_cookie(COOKIE, path=PATH, httponly=True, samesite="lax",
                           secure=settings.base_url_is_https)
    return response
