"""Add Extension and Reset SIP password in Chromium (R-E1, R-SW2): the password is shown
once, in the page that made it or in the Edit Extension dialog, and never again."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.conftest import AccountInfo
from tests.web.conftest import Server

PASSWORD = re.compile(r"[a-z2-9]{20}")


def test_add_an_extension_then_reset_its_sip_password(admin_page: Any, web_server: Server,
                                                      acct: AccountInfo) -> None:
    page = admin_page
    page.goto(web_server.url + "/admin/extensions")
    expect(page.get_by_text("This account has no extensions yet")).to_be_visible()
    page.get_by_role("link", name="Add Extension").click()
    expect(page.get_by_role("heading", name="Add Extension")).to_be_visible()
    page.get_by_label("Extension number").fill("20x")
    page.get_by_role("button", name="Add Extension").click()
    expect(page.get_by_text("An extension number is 2 to 10 digits.")).to_be_visible()
    page.get_by_label("Extension number").fill("201")
    page.get_by_role("button", name="Add Extension").click()
    expect(page.get_by_role("heading", name="Extension 201 added")).to_be_visible()
    first = page.get_by_label("SIP password").input_value()
    assert PASSWORD.fullmatch(first)
    expect(page.locator("#sip-username")).to_have_text("201")

    page.get_by_role("link", name="Edit Extension 201").click()
    expect(page.get_by_role("heading", name="Edit Extension 201")).to_be_visible()
    expect(page.locator("#phone-panel")).not_to_contain_text(first)
    page.get_by_role("button", name="Reset SIP password").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Reset the SIP password of extension 201?")
    dialog.get_by_role("button", name="Reset SIP password").click()
    expect(dialog).to_contain_text("New SIP password for extension 201")
    second = dialog.get_by_label("SIP password").input_value()
    assert PASSWORD.fullmatch(second) and second != first
    dialog.get_by_role("button", name="Done").click()
    expect(page.get_by_role("heading", name="Edit Extension 201")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(second)
