"""Phone System → View All Extensions and Edit Extension (R-E1–R-E5, R-D2, R-V1, R-V2).

The Edit Extension form follows the seed procedure: choose the assigned profile
(or create one in the *Create New User Profile* dialog, whose Save creates the
profile), then *Save Changes* assigns it. Caller ID and notification addresses
are sent to the service only when the admin changed them, so assigning a new
profile fills them from that profile (R-E3) instead of freezing the old values.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

import phonedesk.web.pages.profile_form as profile_form
from phonedesk.auth.web import AdminAction, AdminPage, WebContext
from phonedesk.errors import NotFound
from phonedesk.extensions import service
from phonedesk.models import Extension, Profile
from phonedesk.models.extension import POPULATED_FIELDS
from phonedesk.profiles import fields as catalogue
from phonedesk.profiles import service as profiles
from phonedesk.web import once
from phonedesk.web.pages.common import FormErrors, attempt, paged, redirect, render
from phonedesk.web.pages.phone_system import phone_panel, phone_statuses
from phonedesk.web.pages.phone_system import profile_choices as choices_for

router = APIRouter(prefix="/admin/extensions")

PAGE_SIZE = 25
FieldText = Annotated[str, Form(max_length=1000)]
LABELS = service.FIELD_LABELS


@router.get("", name="extensions")
def list_page(request: Request, web: AdminPage,
              q: Annotated[str | None, Query(max_length=200)] = None,
              page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> Response:
    scope = web.scope
    rows, p = paged(lambda limit, offset: service.list_extensions(
                        scope, service.ExtensionQuery(q=q, limit=limit, offset=offset)),
                    "/admin/extensions", page, PAGE_SIZE, {"q": q})
    template = "admin/_extension_rows.html" if request.headers.get("hx-request") else (
        "admin/extensions.html")
    phones = phone_statuses(scope, [row.extension.number for row in rows])
    unreachable = next((s.message for s in phones.values() if s.state != "ok"), "")
    return render(request, web, template, section="extensions", rows=rows, q=q or "", pager=p,
                  phones=phones, switch_message=unreachable)


def _edit_context(web: WebContext, extension: Extension) -> dict[str, Any]:
    held = service.held(web.scope, extension)
    assigned, holder = held.assigned, held.holder
    values = {f: getattr(extension, f) for f in POPULATED_FIELDS}
    sources = {f: ("edited" if getattr(extension, f"{f}_edited") else "profile")
               for f in POPULATED_FIELDS}
    return {
        "section": "extensions",
        "ext": extension,
        "assigned": assigned,
        "holder": holder,
        "pa": profiles.primary_admin(web.scope),
        "values": values,
        "orig": dict(values),
        "sources": sources,
        "vo_enabled": extension.virtual_office_enabled,
        "chosen": assigned,
        "chosen_is_new": False,
        "version": extension.version,
        "labels": LABELS,
        # The limits of the field catalogue, shown as hints (R-P1).
        "limits": {f: (catalogue.EMAIL.limit if f.endswith("_email") else
                       catalogue.FIRST_NAME.limit) for f in POPULATED_FIELDS},
        "errors": FormErrors(),
        "new_pf": profile_form.context(web.scope.account, {}, FormErrors(), prefix="np-"),
        "phone": phone_panel(web.scope, extension),
    }


@router.get("/{number}", name="extension")
def edit_page(request: Request, number: str, web: AdminPage) -> Response:
    extension = service.get_extension(web.scope, number)
    return render(request, web, "admin/extension_edit.html", **_edit_context(web, extension))


@router.get("/{number}/profile-choices")
def profile_choices(request: Request, number: str, web: AdminPage,
                    q: Annotated[str | None, Query(max_length=200)] = None) -> Response:
    """Active profiles matching the search, as radio buttons for the chooser."""
    service.get_extension(web.scope, number)
    return choices_for(request, web, q)


@router.post("/{number}")
def save(
    request: Request,
    number: str,
    web: AdminAction,
    version: Annotated[int, Form()],
    profile_id: FieldText = "",
    caller_id_first_name: FieldText = "",
    caller_id_last_name: FieldText = "",
    voicemail_email: FieldText = "",
    fax_email: FieldText = "",
    orig_caller_id_first_name: FieldText = "",
    orig_caller_id_last_name: FieldText = "",
    orig_voicemail_email: FieldText = "",
    orig_fax_email: FieldText = "",
    virtual_office_enabled: Annotated[str | None, Form(max_length=10)] = None,
    new_profile: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    """Save Changes: one service call, which sets Virtual Office first (it decides the
    email), then assigns, then applies the edits (R-E3, R-E4, R-V1)."""
    scope = web.scope
    values = {"caller_id_first_name": caller_id_first_name,
              "caller_id_last_name": caller_id_last_name,
              "voicemail_email": voicemail_email, "fax_email": fax_email}
    orig = {"caller_id_first_name": orig_caller_id_first_name,
            "caller_id_last_name": orig_caller_id_last_name,
            "voicemail_email": orig_voicemail_email, "fax_email": orig_fax_email}
    vo = virtual_office_enabled is not None
    # Only what the admin changed is an edit, so a new profile fills the rest (R-E3).
    changes = {f: v.strip() for f, v in values.items() if v.strip() != orig[f].strip()}

    def act() -> service.Saved:
        return service.save(scope, number, profile_id=profile_id or None,
                            virtual_office_enabled=vo, changes=changes,
                            expected_version=version)

    known = set(POPULATED_FIELDS) | {"profile_id", "virtual_office_enabled"}
    saved, errors = attempt(web, act, known=known)
    if saved is not None:
        notice = f"Extension {number} saved."
        if saved.assigned is not None:
            notice = (f"Extension {number} saved and assigned to {saved.assigned.display_name}. "
                      f"An email about the extension was sent to them.")
        return redirect(f"/admin/extensions/{number}", notice)
    extension = service.get_extension(scope, number)
    ctx = _edit_context(web, extension)
    chosen = None
    if profile_id:
        try:
            chosen = profiles.get_profile(scope, profile_id)
        except NotFound:
            chosen = None
    ctx.update(values=values, orig=orig, vo_enabled=vo, errors=errors, version=version,
               chosen=chosen or ctx["assigned"],
               chosen_is_new=bool(new_profile) and chosen is not None)
    return render(request, web, "admin/extension_edit.html", status_code=422, **ctx)


@router.post("/{number}/new-profile")
def create_profile(request: Request, number: str, web: AdminAction,
                   form: profile_form.Posted) -> Response:
    """The Create New User Profile dialog's Save: creates the profile (R-E5).

    The same form as the New Profile page, custom fields included. The answer
    swaps a checked choice for the new profile into the Edit Extension form;
    Save Changes then assigns it.
    """
    extension = service.get_extension(web.scope, number)
    account = web.scope.account
    earlier = once.claim(web.scope, form.form_key)

    def act() -> Profile:
        if earlier is not None and earlier.location:  # the same dialog posted again
            return profiles.get_profile(web.scope, earlier.location.rsplit("/", 1)[-1])
        v = form.values()
        return profiles.create_profile(
            web.scope, first_name=v["first_name"], last_name=v["last_name"], email=v["email"],
            username=v["username"] or None, custom_field_1=v["custom_field_1"],
            custom_field_2=v["custom_field_2"], custom_field_3=v["custom_field_3"])

    profile, errors = attempt(web, act, known=profile_form.input_names(account))
    if profile is None:
        return render(request, web, "admin/_new_profile_form.html", status_code=200, ext=extension,
                      new_pf=profile_form.context(account, form.values(), errors, prefix="np-"))
    once.finish(web.scope, form.form_key, f"/admin/profiles/{profile.public_id}", None)
    response = render(request, web, "admin/_new_profile_created.html", ext=extension,
                      created=profile,
                      new_pf=profile_form.context(account, {}, FormErrors(), prefix="np-"))
    response.headers["HX-Trigger"] = "profileCreated"
    return response


@router.post("/{number}/remove-profile")
def remove_profile(number: str, web: AdminAction) -> Response:
    """Take the profile off this extension; the primary administrator holds it (R-D2)."""
    scope = web.scope
    former = service.read_extension(scope, number).assigned
    held = service.held(scope, service.remove_profile(scope, number))
    pa = held.holder
    notice = (f"{former.display_name if former else 'The profile'} was removed from extension "
              f"{number}. The primary administrator, {pa.display_name}, now holds it; its "
              "voicemails are kept.")
    return redirect(f"/admin/extensions/{number}", notice)
