"""What every page handler shares: rendering with the layout, form errors, paging, notices.

Form posts run their service calls inside a savepoint: when a service refuses
(a :class:`DomainError`), everything that request did is undone and the same form
is shown again with the message next to the field and the user's input kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from phonedesk.api.errors import Problem
from phonedesk.auth.web import WebContext, may_switch
from phonedesk.directory import service as directory
from phonedesk.errors import DomainError
from phonedesk.models.web_session import KIND_ADMIN, KIND_PORTAL
from phonedesk.profiles import roles
from phonedesk.web.templating import templates

T = TypeVar("T")
FLASH_COOKIE = "phonedesk_notice"
FORM_ERROR = "_form"
DIRECTORY_PAGE_SIZE = 50


@dataclass
class FormErrors:
    """Messages by field name; ``_form`` for errors that belong to no single field."""

    by_field: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def add(self, name: str | None, message: str) -> None:
        self.by_field.setdefault(name or FORM_ERROR, message)

    def get(self, name: str) -> str | None:
        return self.by_field.get(name)


def attempt(web: WebContext, action: Callable[[], T], *,
            fields: Mapping[str, str] | None = None,
            known: frozenset[str] | set[str] | None = None) -> tuple[T | None, FormErrors]:
    """Run service calls in a savepoint; on a domain error undo them and return the error.

    ``fields`` renames a service's field names to the form's input names;
    ``known`` lists the form's inputs: an error for any other field is shown
    at the top of the form instead of next to a field that does not exist.
    """
    errors = FormErrors()
    try:
        with web.scope.db.begin_nested():
            return action(), errors
    except DomainError as exc:
        # Several bad fields come as one InvalidFields: each is shown at its input.
        for error in getattr(exc, "errors", None) or [exc]:
            name = error.field
            if name and fields and name in fields:
                name = fields[name]
            if name and known is not None and name not in known:
                name = None
            errors.add(name, error.message)
        return None, errors


def layout_context(request: Request, web: WebContext | None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"request": request, "notice": _read_notice(request)}
    if web is not None:
        me = web.active.profile
        in_portal = request.url.path.startswith("/portal")
        other = KIND_ADMIN if in_portal else KIND_PORTAL
        ctx.update(
            web=web,
            account=web.active.account,
            me=me,
            csrf_token=web.csrf_token,
            can_write=web.can_write,
            is_admin_area=not in_portal,
            # One sign-in serves both sides (R-V2): offer the other one only if it will work.
            may_switch=may_switch(web.scope.db, web.active, other),
            my_role=roles.ROLE_LABELS.get(roles.role_of(web.active.account, me) or ""),
        )
    return ctx


def render(request: Request, web: WebContext | None, template: str, *, status_code: int = 200,
           **context: Any) -> Response:
    ctx = layout_context(request, web)
    ctx.update(context)
    response = templates.TemplateResponse(request, template, ctx, status_code=status_code)
    if ctx.get("notice"):
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def redirect(url: str, notice: str | None = None, *, htmx: bool = False) -> Response:
    """After a successful post: go to ``url`` (303) and show ``notice`` there once."""
    response: Response
    if htmx:
        response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(FLASH_COOKIE, quote(notice), max_age=60, path="/", httponly=True,
                            samesite="lax")
    return response


def _read_notice(request: Request) -> str | None:
    raw = request.cookies.get(FLASH_COOKIE)
    return unquote(raw)[:500] if raw else None


@dataclass(frozen=True)
class Pager:
    """Page numbers for a list of ``total`` items shown ``size`` at a time."""

    page: int
    size: int
    total: int
    base: str
    params: dict[str, str]
    # The "after" cursor of the next page, when the list gives one: Next then starts
    # after this page's last row instead of walking an offset (other links use offsets).
    after: str | None = None

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def first_item(self) -> int:
        return 0 if self.total == 0 else self.offset + 1

    @property
    def last_item(self) -> int:
        return int(min(self.total, self.offset + self.size))

    @property
    def exact(self) -> bool:
        """False when ``total`` is a lower bound ("10,000+"): the last page is not known."""
        return getattr(self.total, "exact", True)

    def url(self, page: int) -> str:
        params = {k: v for k, v in self.params.items() if v}
        if page > 1:
            params["page"] = str(page)
        if self.after and page == self.page + 1:
            params["after"] = self.after
        query = urlencode(params)
        return self.base + ("?" + query if query else "")


def pager(base: str, page: int, size: int, total: int,
          params: Mapping[str, str | None] | None = None) -> Pager:
    clean = {k: v for k, v in (params or {}).items() if v}
    last = max(1, math.ceil(total / size))
    if not getattr(total, "exact", True):
        last = max(last, page)  # the count stopped early: the page asked for may well exist
    return Pager(page=min(max(1, page), last), size=size, total=total, base=base, params=clean)


def paged(fetch: Callable[[int, int], tuple[list[T], int]], base: str, page: int, size: int,
          params: Mapping[str, str | None] | None = None) -> tuple[list[T], Pager]:
    """One page of ``fetch(limit, offset)`` and its pager; a page past the end shows the last.

    The list services return the total with the rows, so a page costs one call;
    only a page number past the end needs a second one.
    """
    rows, total = fetch(size, (page - 1) * size)
    p = pager(base, page, size, total, params)
    if p.page != page:
        rows, _ = fetch(size, p.offset)
    return rows, p


def render_directory(request: Request, web: WebContext, q: str | None, page: int, *,
                   area: str) -> Response:
    """The Contact Directory (R-DIR1), the same page in the Account Manager and the portal."""
    base = f"/{area}/directory"
    entries, p = paged(lambda limit, offset: directory.search(web.scope, q, limit=limit,
                                                              offset=offset),
                       base, page, DIRECTORY_PAGE_SIZE, {"q": q})
    return render(request, web, "directory.html", section="directory", entries=entries,
                  q=q or "", pager=p, layout=f"_{area}_layout.html", base=base,
                  errors=FormErrors())


def render_problem(request: Request, problem: Problem) -> Response:
    """Any error under the page prefixes becomes a readable HTML page, never JSON."""
    if request.headers.get("hx-request"):
        # Swap the message into the page's notice area instead of replacing a fragment.
        return templates.TemplateResponse(
            request, "_problem_fragment.html", {"problem": problem},
            status_code=200, headers={"HX-Retarget": "#page-alert", "HX-Reswap": "innerHTML"},
        )
    area = "portal" if request.url.path.startswith("/portal") else "admin"
    return templates.TemplateResponse(
        request, "error.html", {"problem": problem, "area": area, "notice": None},
        status_code=problem.status, headers=problem.headers,
    )
