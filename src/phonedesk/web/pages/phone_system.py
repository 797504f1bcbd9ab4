"""Phone System pages for the switch: Add Extension, Delete Extension, Reset SIP password
and SIP Settings (R-E1, R-SW1, R-SW2, R-M1).

Thin adapters over :mod:`phonedesk.extensions.lifecycle` and
:mod:`phonedesk.switch.domains`, the same calls the REST API and CLI make. A SIP
password is shown on the one response that created it (``Cache-Control:
no-store``) and never again: only its digests are stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from phonedesk.auth.web import AdminAction, AdminPage, WebContext
from phonedesk.errors import NotFound
from phonedesk.extensions import lifecycle
from phonedesk.extensions import service as extensions
from phonedesk.models import Extension, Profile
from phonedesk.profiles import service as profiles
from phonedesk.scope import Scope
from phonedesk.switch import credentials, domains, registrations
from phonedesk.switch.credentials import IssuedCredential
from phonedesk.switch.registrations import Status
from phonedesk.web import once
from phonedesk.web.pages.common import FormErrors, attempt, redirect, render

router = APIRouter(prefix="/admin")

CHOICES = 8
Text = Annotated[str, Form(max_length=1000)]


@dataclass(frozen=True)
class PhonePanel:
    """What Edit Extension shows about the desk phone."""

    username: str
    domain: str
    proxy: str
    has_password: bool
    status: Status  # who is registered now, as the switch says (R-SW7)


def phone_panel(scope: Scope, extension: Extension) -> PhonePanel:
    domain = domains.get(scope).domain
    return PhonePanel(username=extension.number, domain=domain,
                      proxy=scope.settings.switch_proxy,
                      has_password=credentials.has_device(scope, extension),
                      status=registrations.of_extension(scope.settings, extension.number, domain))


def phone_statuses(scope: Scope, numbers: list[str]) -> dict[str, Status]:
    """Registrations of a page of extensions; one failed read stops the asking."""
    return registrations.Reader(scope.settings).many(numbers, domains.get(scope).domain)


def _shown_once(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Add Extension ------------------------------------------------------------------


@router.get("/extensions/new")
def new_extension_page(request: Request, web: AdminPage) -> Response:
    return render(request, web, "admin/extension_new.html", section="extensions",
                  values={"virtual_office_enabled": True}, errors=FormErrors(), chosen=None)


@router.get("/extensions/new/profile-choices")
def new_extension_choices(request: Request, web: AdminPage,
                          q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    return profile_choices(request, web, q)


def profile_choices(request: Request, web: WebContext, q: str | None) -> Response:
    """Active profiles matching the search, as radio buttons for the chooser (Add and
    Edit Extension), saying how many more match instead of stopping silently at CHOICES."""
    found: list[Profile] = []
    total = 0
    if q and q.strip():
        found, total = profiles.list_profiles(
            web.scope, profiles.ProfileQuery(q=q, status="active", limit=CHOICES))
    return render(request, web, "admin/_profile_choices.html", found=found, q=q or "",
                  more=max(0, total - len(found)))


@router.post("/extensions/new")
def create_extension(
    request: Request, web: AdminAction, number: Text = "", profile_id: Text = "",
    virtual_office_enabled: Annotated[str | None, Form(max_length=10)] = None,
    form_key: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Add Extension: the same rules as ``POST /api/v1/extensions``; the password once.

    Posted again (``form_key``), it goes to the extension instead of answering
    "number taken" while the first post's page with the SIP password is lost.
    """
    earlier = once.claim(web.scope, form_key)
    if earlier is not None and earlier.location:
        return redirect(earlier.location, earlier.notice)
    vo = virtual_office_enabled is not None
    created, errors = attempt(
        web,
        lambda: lifecycle.create_extension(web.scope, number=number, virtual_office_enabled=vo,
                                           profile_id=profile_id.strip() or None),
        known={"number", "profile_id", "virtual_office_enabled"},
    )
    if created is None:
        chosen = None
        if profile_id.strip():
            try:
                chosen = profiles.get_profile(web.scope, profile_id.strip())
            except NotFound:
                chosen = None
        return render(request, web, "admin/extension_new.html", section="extensions",
                      status_code=422, errors=errors, chosen=chosen,
                      values={"number": number, "virtual_office_enabled": vo})
    once.finish(web.scope, form_key, f"/admin/extensions/{created.extension.number}",
                f"Extension {created.extension.number} was created by your first click; its "
                "SIP password was shown then, once. If you missed it, use Reset SIP password.")
    assigned = (web.scope.db.get(Profile, created.extension.profile_id)
                if created.extension.profile_id else None)
    return _shown_once(render(request, web, "admin/extension_created.html",
                              section="extensions", ext=created.extension, sip=created.sip,
                              assigned=assigned))


# --- Reset SIP password and Delete Extension ----------------------------------------


@router.post("/extensions/{number}/sip-password")
def reset_sip_password(request: Request, number: str, web: AdminAction) -> Response:
    """Reset SIP password: the dialog on Edit Extension shows the new one this once."""
    issued: IssuedCredential = lifecycle.reset_sip_password(web.scope, number)
    template = ("admin/_sip_password_shown.html" if request.headers.get("hx-request")
                else "admin/sip_password.html")
    return _shown_once(render(request, web, template, section="extensions", number=number,
                              sip=issued))


@router.post("/extensions/{number}/delete")
def delete_extension(number: str, web: AdminAction) -> Response:
    extensions.get_extension(web.scope, number)
    _, errors = attempt(web, lambda: lifecycle.delete_extension(web.scope, number))
    if errors:
        return redirect(f"/admin/extensions/{number}",
                        f"Extension {number} was not deleted. {errors.get('_form')}")
    return redirect("/admin/extensions",
                    f"Extension {number} is deleted; its desk phone can no longer register.")


# --- SIP Settings --------------------------------------------------------------------


def _may_change(web: WebContext) -> bool:
    return web.can_write and web.active.profile.id == web.active.account.primary_admin_id


@router.get("/settings/sip")
def sip_settings_page(request: Request, web: AdminPage) -> Response:
    row = domains.get(web.scope)
    return render(request, web, "admin/sip_settings.html", section="sip", sip=row,
                  proxy=web.scope.settings.switch_proxy, may_change=_may_change(web),
                  values={"domain": row.domain}, errors=FormErrors())


@router.post("/settings/sip")
def change_sip_domain(request: Request, web: AdminAction, domain: Text = "") -> Response:
    """Change the SIP domain (primary administrator only; R-SW1)."""
    changed, errors = attempt(web, lambda: domains.change_domain(web.scope, domain),
                              known={"domain"})
    if changed is not None:
        return redirect("/admin/settings/sip",
                        f"The SIP domain is now {changed.domain}. Every phone of the account "
                        "must use it from now on; their passwords stay the same.")
    row = domains.get(web.scope)
    return render(request, web, "admin/sip_settings.html", section="sip", sip=row,
                  proxy=web.scope.settings.switch_proxy, may_change=_may_change(web),
                  values={"domain": domain}, errors=errors, status_code=422)
