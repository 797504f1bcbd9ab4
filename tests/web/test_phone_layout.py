"""At phone width (390 px) the header and navigation fold behind a menu button instead of
filling 40% of the screen; at desktop width everything shows and there is no button."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.conftest import AccountInfo
from tests.web.conftest import Server, sign_in_as


def _chrome_height(page: Any) -> float:
    return float(page.evaluate(
        "() => document.querySelector('.topbar').getBoundingClientRect().height"
        " + document.querySelector('.mainnav').getBoundingClientRect().height"))


def test_the_menu_button_folds_header_and_navigation_at_390_px(
    browser: Any, web_server: Server, acct: AccountInfo
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        sign_in_as(web_server, context, acct.primary_admin_id)
        page = context.new_page()
        page.goto(web_server.url + "/admin/profiles")
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_be_visible()
        expect(menu).to_have_attribute("aria-expanded", "false")
        nav = page.get_by_role("navigation", name="Main")
        expect(nav).to_be_hidden()
        height = float(page.evaluate(
            "() => document.querySelector('.topbar').getBoundingClientRect().height"))
        assert height < 844 * 0.1, height
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(nav.get_by_role("link", name="Audit Log")).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        nav.get_by_role("link", name="Audit Log").click()
        expect(page.get_by_role("heading", name="Audit Log")).to_be_visible()
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # folded again
    finally:
        context.close()


def test_at_desktop_width_there_is_no_menu_button(admin_page: Any, web_server: Server) -> None:
    admin_page.goto(web_server.url + "/admin/profiles")
    expect(admin_page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(admin_page.get_by_role("navigation", name="Main")).to_be_visible()
    assert _chrome_height(admin_page) < 800 * 0.2
