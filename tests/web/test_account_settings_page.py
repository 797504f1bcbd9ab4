"""Account Settings in Chromium: the primary administrator renames the account and sets its
time zone; the header and every time in the pages follow; bad input keeps what was typed."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.conftest import AccountInfo
from tests.web.conftest import Server


def test_account_settings_rename_time_zone_and_errors(
    admin_page: Any, web_server: Server, acct: AccountInfo
) -> None:
    page = admin_page
    page.goto(web_server.url + "/admin/extensions")
    page.get_by_role("link", name="Account Settings").click()
    expect(page.get_by_label("Time zone")).to_have_value("UTC")
    new_name = f"Renamed Co {acct.id}"
    page.get_by_label("Account name").fill(new_name)
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Save account settings").click()
    expect(page.locator("#f-time_zone-error")).to_contain_text("not a time zone")
    expect(page.get_by_label("Account name")).to_have_value(new_name)  # input kept
    expect(page.locator("header")).to_contain_text(acct.name)  # nothing half-applied
    page.get_by_label("Time zone").fill("Asia/Tokyo")
    page.get_by_role("button", name="Save account settings").click()
    expect(page.get_by_role("status")).to_contain_text("Account settings saved")
    expect(page.locator("header")).to_contain_text(new_name)
    page.goto(web_server.url + "/admin/audit")
    table = page.locator("#audit-table")
    expect(table).to_contain_text(f"The account name changed from “{acct.name}” to "
                                  f"“{new_name}”")
    expect(table).to_contain_text("The time zone changed from “UTC” to “Asia/Tokyo”")
    expect(table.locator("td.nowrap").first).to_contain_text("JST")
