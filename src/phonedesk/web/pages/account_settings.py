"""Account Settings page (primary administrator): name, time zone, SIP domain.

A thin page over :mod:`phonedesk.accounts.settings`, the call the REST API makes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from phonedesk.accounts import settings as account_settings
from phonedesk.auth.web import AdminAction, AdminPage, WebContext
from phonedesk.web.pages.common import FormErrors, attempt, redirect, render

router = APIRouter(prefix="/admin")
FormText = Annotated[str, Form(max_length=1000)]


def _may_change(web: WebContext) -> bool:
    return web.can_write and web.active.account.primary_admin_id == web.active.profile.id


def _page(request: Request, web: WebContext, values: dict[str, str], errors: FormErrors,
          status_code: int = 200) -> Response:
    return render(request, web, "admin/account_settings.html", section="account",
                  values=values, errors=errors, zones=account_settings.time_zones(),
                  may_change=_may_change(web), status_code=status_code)


@router.get("/settings/account")
def account_settings_page(request: Request, web: AdminPage) -> Response:
    current = account_settings.get_settings(web.scope)
    return _page(request, web, vars(current), FormErrors())


@router.post("/settings/account")
def save_account_settings(request: Request, web: AdminAction, name: FormText = "",
                          time_zone: FormText = "", sip_domain: FormText = "") -> Response:
    """Save all three at once; any error undoes all and shows every input kept."""
    current = account_settings.get_settings(web.scope)
    domain = sip_domain if sip_domain.strip() != current.sip_domain else None
    saved, errors = attempt(web, lambda: account_settings.update_settings(
        web.scope, name=name, time_zone=time_zone, sip_domain=domain),
        fields={"domain": "sip_domain"}, known={"name", "time_zone", "sip_domain"})
    if saved is not None:
        return redirect("/admin/settings/account",
                        f"Account settings saved: {saved.name}, times in {saved.time_zone}, "
                        f"SIP domain {saved.sip_domain}.")
    values = {"name": name, "time_zone": time_zone, "sip_domain": sip_domain}
    return _page(request, web, values, errors, status_code=422)
