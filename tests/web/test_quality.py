"""Every main page: a label on every field, no sideways scrolling at phone width,
system fonts only (issue "Quality" list)."""

from __future__ import annotations

from typing import Any

import pytest

from phonedesk.extensions import service as extensions
from phonedesk.models.web_session import KIND_PORTAL
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import PASSWORD, ScopeFor, Server, set_password, sign_in_as

UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea')).filter(el => {
      if (el.hidden || el.closest('[hidden]')) return false;
      const named = (el.labels && el.labels.length) || el.getAttribute('aria-label')
        || el.getAttribute('aria-labelledby');
      return !named;
    }).map(el => el.outerHTML.slice(0, 120))"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture
def pages(web_server: Server, acct: AccountInfo, run: ScopeFor) -> dict[str, Any]:
    def setup(s: Any) -> str:
        p = profiles.create_profile(s, first_name="Uma", last_name="Vance-Longname",
                                    email="uma.vance-longname@a-rather-long-domain.example",
                                    username=f"uma{acct.id}", custom_field_1=None)
        extensions.create_extension(s, number="801", profile_id=p.public_id)
        return p.public_id

    uma = run(setup)
    set_password(web_server, uma, PASSWORD)
    admin = ["/admin/extensions", "/admin/extensions/801", "/admin/profiles",
             f"/admin/profiles/{uma}", "/admin/profiles/new", "/admin/imports/new",
             "/admin/imports/new?step=choose", "/admin/directory", "/admin/audit",
             "/admin/emails", "/admin/tokens"]
    portal = ["/portal/extensions", "/portal/messages", "/portal/directory"]
    return {"admin": admin, "portal": portal, "uma": uma}


@pytest.mark.parametrize("width", [1280, 390])
def test_every_field_is_labelled_and_nothing_scrolls_sideways(
    browser: Any, web_server: Server, acct: AccountInfo, pages: dict[str, Any], width: int
) -> None:
    ctx = browser.new_context(viewport={"width": width, "height": 800})
    try:
        sign_in_as(web_server, ctx, acct.primary_admin_id)
        sign_in_as(web_server, ctx, pages["uma"], kind=KIND_PORTAL)
        page = ctx.new_page()
        for path in pages["admin"] + pages["portal"]:
            response = page.goto(web_server.url + path)
            assert response.status == 200, path
            assert page.evaluate(UNLABELLED) == [], path
            assert page.evaluate(OVERFLOW) <= 0, f"{path} scrolls sideways at {width}px"
            font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
            assert font.startswith("system-ui"), font
    finally:
        ctx.close()
