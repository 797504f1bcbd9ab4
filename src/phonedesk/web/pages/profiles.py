"""My Account → User Profiles: the table, a profile's page, and Edit Viewable/Hidden Fields.

R-P1–R-P5, R-C1, R-D1, R-D3, R-D4, R-AC2, R-AD1, R-AU1. Every change goes through
:mod:`phonedesk.profiles.service` or :mod:`phonedesk.accounts.profile_fields`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

import phonedesk.web.pages.profile_form as profile_form
from phonedesk.accounts import profile_fields
from phonedesk.api.common import streamed_csv
from phonedesk.audit import service as audit
from phonedesk.auth.web import AdminAction, AdminPage, WebContext
from phonedesk.bulk import service as bulk
from phonedesk.errors import ValidationFailed, raise_all
from phonedesk.extensions import portal as my_extensions
from phonedesk.models import Profile
from phonedesk.models.profile import ROLE_ADMIN, ROLE_READ_ONLY
from phonedesk.profiles import fields as catalogue
from phonedesk.profiles import roles
from phonedesk.profiles import service as profiles
from phonedesk.web import once
from phonedesk.web.pages.common import FormErrors, attempt, paged, redirect, render

router = APIRouter(prefix="/admin/profiles")

PAGE_SIZES = (25, 50, 100)
FieldText = Annotated[str, Form(max_length=1000)]
SORT_KEYS = {"first_name", "last_name", "email", "username", "status"}
PROFILE_FIELDS = catalogue.KEYS


def _titles(web: WebContext) -> dict[str, str]:
    """The table's column titles: the catalogue's labels, custom fields under the account's."""
    return {"internal_id": catalogue.INTERNAL_ID_LABEL, **catalogue.labels(web.scope.account),
            **{extra: extra.title() for extra in profile_fields.TABLE_EXTRAS}}


@router.get("", name="profiles")
def list_page(
    request: Request,
    web: AdminPage,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str, Query(max_length=20)] = "last_name",
    order: Annotated[str, Query(max_length=4)] = "asc",
    status: Annotated[str | None, Query(max_length=10)] = None,
    page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 25,
    after: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    scope = web.scope
    sort = sort if sort in SORT_KEYS else "last_name"
    descending = order == "desc"
    size = size if size in PAGE_SIZES else 25
    status = status if status in ("active", "disabled") else None

    def query(limit: int, offset: int) -> profiles.ProfileQuery:
        # With a cursor the page starts after it; the page number is only shown.
        return profiles.ProfileQuery(q=q, status=status, sort=sort, descending=descending,
                                     limit=limit, offset=0 if after else offset, after=after)

    rows, p = paged(lambda limit, offset: profiles.list_profiles(scope, query(limit, offset)),
                    "/admin/profiles", page, size,
                    {"q": q, "sort": sort, "order": order, "status": status,
                     "size": str(size) if size != 25 else None})
    p = replace(p, after=profiles.next_cursor(query(size, 0), rows))
    fields = profile_fields.get_profile_fields(scope)
    numbers = profiles.extension_numbers(scope, [r.id for r in rows])
    role_labels = {r.id: roles.ROLE_LABELS.get(roles.role_of(scope.account, r) or "")
                   for r in rows}
    template = "admin/_profile_rows.html" if request.headers.get("hx-request") else (
        "admin/profiles.html")
    return render(request, web, template, section="profiles", rows=rows, numbers=numbers,
                  roles=role_labels, q=q or "", sort=sort, order="desc" if descending else "asc",
                  status=status or "", size=size, pager=p, fields=fields,
                  titles=_titles(web), sort_keys=SORT_KEYS, page_sizes=PAGE_SIZES,
                  field_errors=FormErrors())


# --- Edit Viewable/Hidden Fields (R-C1, R-P4) ----------------------------------


@router.post("/fields")
def save_fields(
    request: Request,
    web: AdminAction,
    visible: Annotated[list[str], Form(max_length=40)] = [],  # noqa: B006
    enable_custom_field_1: Annotated[str | None, Form(max_length=10)] = None,
    enable_custom_field_2: Annotated[str | None, Form(max_length=10)] = None,
    enable_custom_field_3: Annotated[str | None, Form(max_length=10)] = None,
    label_custom_field_1: Annotated[str, Form(max_length=200)] = "",
    label_custom_field_2: Annotated[str, Form(max_length=200)] = "",
    label_custom_field_3: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """The dialog's Save: which columns show, and the custom field labels (R-C1, R-P4)."""
    enabled = {1: enable_custom_field_1 is not None, 2: enable_custom_field_2 is not None,
               3: enable_custom_field_3 is not None}
    typed = {1: label_custom_field_1, 2: label_custom_field_2, 3: label_custom_field_3}
    shown = list(visible[:20])
    labels: dict[int, str | None] = {}
    for n in (1, 2, 3):
        labels[n] = typed[n] if enabled[n] else None
        if enabled[n] and f"custom_field_{n}" not in shown:
            shown.append(f"custom_field_{n}")
    missing = [n for n in (1, 2, 3) if enabled[n] and not typed[n].strip()]

    def act() -> profile_fields.ProfileFields:
        # Every checked field without a label is flagged, not only the first.
        raise_all([ValidationFailed(f"Type a header label for Custom Field {n}, or uncheck it.",
                                    field=f"custom_field_{n}") for n in missing])
        return profile_fields.update_profile_fields(
            web.scope, labels=labels, visible_columns=shown)

    result, errors = attempt(web, act)
    if result is not None:
        return render(request, web, "admin/_fields_saved.html")
    fields = profile_fields.get_profile_fields(web.scope)
    return render(request, web, "admin/_fields_form.html", fields=fields, field_errors=errors,
                  titles=_titles(web), typed=typed, enabled=enabled, shown=shown)


# --- template and export (R-C2, R-C6) ----------------------------------------


def _csv_response(web: WebContext, request: Request, filename: str) -> Response:
    return streamed_csv(request, web.scope, filename, bulk.write_csv)


@router.get("/template.csv")
def download_template(request: Request, web: AdminPage) -> Response:
    return _csv_response(web, request, "user-profiles-template.csv")


@router.get("/export.csv")
def export(request: Request, web: AdminPage) -> Response:
    return _csv_response(web, request, "user-profiles.csv")


# --- one profile ---------------------------------------------------------------


@router.get("/new")
def new_page(request: Request, web: AdminPage) -> Response:
    return render(request, web, "admin/profile_new.html", section="profiles",
                  pf=profile_form.context(web.scope.account, {}, FormErrors()))


@router.post("/new")
def create(request: Request, web: AdminAction, form: profile_form.Posted) -> Response:
    account = web.scope.account
    earlier = once.claim(web.scope, form.form_key)
    if earlier is not None and earlier.location:  # the same form posted again
        return redirect(earlier.location, earlier.notice)

    def act() -> Profile:
        # A disabled custom field has no input, so it arrives empty (R-P4 in the service).
        v = form.values()
        return profiles.create_profile(
            web.scope, first_name=v["first_name"], last_name=v["last_name"], email=v["email"],
            username=v["username"] or None, custom_field_1=v["custom_field_1"],
            custom_field_2=v["custom_field_2"], custom_field_3=v["custom_field_3"])

    created, errors = attempt(web, act, known=profile_form.input_names(account))
    if created is not None:
        url = f"/admin/profiles/{created.public_id}"
        notice = (f"Profile {created.display_name} created. No email was sent; assign it "
                  "to an extension to invite them.")
        once.finish(web.scope, form.form_key, url, notice)
        return redirect(url, notice)
    return render(request, web, "admin/profile_new.html", status_code=422, section="profiles",
                  pf=profile_form.context(account, form.values(), errors))


def _detail_context(web: WebContext, profile: Profile) -> dict[str, Any]:
    scope = web.scope
    numbers = profiles.extension_numbers(scope, [profile.id])[profile.id]
    pa = profiles.primary_admin(scope)
    events, events_total = audit.list_events(
        scope, audit.AuditFilter(target_type="profile", target_id=profile.public_id), limit=20)
    role = roles.role_of(scope.account, profile)
    held = ([e.number for e in my_extensions.list_own(scope, profile) if e.profile_id is None]
            if pa.id == profile.id else [])
    return {
        "held": held,
        "section": "profiles",
        "profile": profile,
        "numbers": numbers,
        "pa": pa,
        "is_pa": pa.id == profile.id,
        "viewer_is_pa": web.active.profile.id == pa.id,
        "role": role,
        "role_label": roles.ROLE_LABELS.get(role or ""),
        "pf": profile_form.context(scope.account, profile_form.values_of(profile),
                                   FormErrors(), profile=profile),
        "version": profile.version,
        "role_errors": FormErrors(),
        "events": events,
        "events_total": events_total,
        "ROLE_ADMIN": ROLE_ADMIN,
        "ROLE_READ_ONLY": ROLE_READ_ONLY,
    }


@router.get("/{profile_id}", name="profile")
def detail(request: Request, profile_id: str, web: AdminPage) -> Response:
    profile = profiles.get_profile(web.scope, profile_id)
    return render(request, web, "admin/profile.html", **_detail_context(web, profile))


@router.post("/{profile_id}")
def save(request: Request, profile_id: str, web: AdminAction,
         version: Annotated[int, Form()], form: profile_form.Posted) -> Response:
    """Edit the profile; names and email flow to unedited extension fields (R-E4).

    The username changes with the email only when the admin ticked the offer (R-P2).
    """
    scope = web.scope
    before = profiles.get_profile(scope, profile_id)
    old_username, old_email = before.username, before.email
    follows = bool(form.username_follows_email)

    def act() -> Profile:
        return profiles.update_profile(scope, profile_id, form.values(), expected_version=version,
                                       username_follows_email=follows)

    saved, errors = attempt(web, act, known=profile_form.input_names(scope.account))
    if saved is not None:
        return redirect(f"/admin/profiles/{profile_id}",
                        _saved_notice(saved, old_username, old_email))
    profile = profiles.get_profile(scope, profile_id)
    ctx = _detail_context(web, profile)
    ctx.update(version=version, pf=profile_form.context(
        scope.account, form.values(), errors, profile=profile, follows=follows))
    return render(request, web, "admin/profile.html", status_code=422, **ctx)


def _saved_notice(saved: Profile, old_username: str, old_email: str) -> str:
    """Say what happened to the sign-in name when the email changed (R-P2)."""
    if saved.username != old_username:
        return (f"Profile saved. {saved.first_name}'s User Name (sign-in name) is now "
                f"“{saved.username}”.")
    if saved.email != old_email:
        return f"Profile saved. The User Name stays “{saved.username}”."
    return "Profile saved."


def _action(request: Request, web: WebContext, profile_id: str, act: Any, notice: str
            ) -> Response:
    """A button on the profile page: do it, or show the page with the refusal."""
    done, errors = attempt(web, act, known={"role"})
    if done is not None:
        return redirect(f"/admin/profiles/{profile_id}", notice)
    profile = profiles.get_profile(web.scope, profile_id)
    ctx = _detail_context(web, profile)
    ctx["role_errors"] = errors
    return render(request, web, "admin/profile.html", status_code=409, **ctx)


@router.post("/{profile_id}/disable")
def disable(request: Request, profile_id: str, web: AdminAction) -> Response:
    """Offboarding in one step (R-D1)."""
    scope = web.scope
    profile = profiles.get_profile(scope, profile_id)
    numbers = profiles.extension_numbers(scope, [profile.id])[profile.id]
    pa = profiles.primary_admin(scope)
    moved = (f" {_extensions_phrase(numbers)} moved to {pa.display_name}; voicemails are kept."
             if numbers else "")
    return _action(request, web, profile_id,
                   lambda: profiles.disable_profile(scope, profile_id),
                   f"{profile.display_name} is disabled and can no longer sign in.{moved}")


def _extensions_phrase(numbers: list[str]) -> str:
    from phonedesk.web.templating import and_list

    word = "Extension" if len(numbers) == 1 else "Extensions"
    return f"{word} {and_list(numbers)}"


@router.post("/{profile_id}/enable")
def enable(request: Request, profile_id: str, web: AdminAction) -> Response:
    scope = web.scope
    return _action(request, web, profile_id,
                   lambda: profiles.enable_profile(scope, profile_id),
                   "The profile is enabled and can sign in again. Its former extensions stay "
                   "with the primary administrator until you assign them.")


@router.post("/{profile_id}/role")
def set_role(request: Request, profile_id: str, web: AdminAction,
             role: Annotated[str, Form(max_length=40)] = "") -> Response:
    scope = web.scope
    return _action(request, web, profile_id,
                   lambda: roles.set_role(scope, profile_id, role or None),
                   "Admin rights saved.")


@router.post("/{profile_id}/transfer-primary")
def transfer(request: Request, profile_id: str, web: AdminAction) -> Response:
    scope = web.scope
    return _action(request, web, profile_id,
                   lambda: roles.transfer_primary_admin(scope, profile_id),
                   "This profile is now the primary administrator. Extensions without a "
                   "profile are now held by them.")


@router.post("/{profile_id}/setup-link")
def resend_setup_link(request: Request, profile_id: str, web: AdminAction) -> Response:
    scope = web.scope
    return _action(request, web, profile_id,
                   lambda: profiles.resend_setup_link(scope, profile_id),
                   "A new password setup link was emailed; older links no longer work.")


@router.post("/{profile_id}/delete")
def delete(request: Request, profile_id: str, web: AdminAction) -> Response:
    """Archive a profile that holds nothing (R-D4)."""
    scope = web.scope
    done, errors = attempt(web, lambda: profiles.delete_profile(scope, profile_id))
    if done is not None:
        return redirect("/admin/profiles", f"Profile {done.display_name} deleted.")
    profile = profiles.get_profile(scope, profile_id)
    ctx = _detail_context(web, profile)
    ctx["role_errors"] = errors
    return render(request, web, "admin/profile.html", status_code=409, **ctx)
