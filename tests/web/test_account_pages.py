"""Audit log, outgoing email and tokens in Chromium (R-AU1, R-V1, DESIGN §2)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from phonedesk.auth import tokens
from phonedesk.extensions import service as extensions
from phonedesk.models import OutboxMessage
from phonedesk.models.profile import ROLE_READ_ONLY
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import PASSWORD, ScopeFor, Server, set_password, sign_in_as


def test_audit_log_filters_and_exports_csv(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    run(lambda s: extensions.create_extension(s, number="700"))
    run(lambda s: profiles.create_profile(s, first_name="Ola", last_name="Berg",
                                          email="ola@webco.example", username=f"ola{acct.id}"))
    page = admin_page
    page.goto(web_server.url + "/admin/audit")
    table = page.locator("#audit-table")
    expect(table).to_contain_text("Extension 700 was created")
    expect(table).to_contain_text("Ola Berg's profile was created")
    page.get_by_label("What").select_option(label="Extensions")
    page.get_by_role("button", name="Filter").click()
    expect(table).to_contain_text("Extension 700 was created")
    expect(table).not_to_contain_text("Ola Berg's profile was created")
    page.get_by_label("From (YYYY-MM-DD)").fill("yesterday")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#f-since-error")).to_contain_text("YYYY-MM-DD")
    expect(page.get_by_label("From (YYYY-MM-DD)")).to_have_value("yesterday")
    page.get_by_label("From (YYYY-MM-DD)").fill("")
    page.get_by_role("button", name="Filter").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["When (UTC)", "Who", "Action"]
    actions = {r[2] for r in rows[1:]}
    assert "extension.created" in actions and "profile.created" not in actions


def test_outgoing_email_shows_state_and_retries_a_failed_one(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    def setup(s: Any) -> None:
        p = profiles.create_profile(s, first_name="Pia", last_name="Roth",
                                    email="pia@webco.example", username=f"pia{acct.id}")
        extensions.create_extension(s, number="710", profile_id=p.public_id)
        s.db.flush()
        row = s.db.scalar(select(OutboxMessage).where(
            OutboxMessage.to_address == "pia@webco.example"))
        row.status = "failed"
        row.attempts = 5
        row.last_error = "550 mailbox unavailable"

    run(setup)
    page = admin_page
    page.goto(web_server.url + "/admin/emails")
    row = page.get_by_role("row").filter(has_text="pia@webco.example")
    expect(row).to_contain_text("Failed")
    expect(row).to_contain_text("550 mailbox unavailable")
    page.get_by_role("button", name="Retry email to pia@webco.example").click()
    expect(page.get_by_role("status")).to_contain_text("queued again")
    expect(page.get_by_role("row").filter(has_text="pia@webco.example")).to_contain_text("Pending")


def test_tokens_are_shown_once_and_can_be_revoked(
    admin_page: Any, web_server: Server, acct: AccountInfo
) -> None:
    page = admin_page
    page.goto(web_server.url + "/admin/tokens")
    page.get_by_label("SCIM token (Microsoft Entra ID, Okta)").check()
    page.get_by_label("Name").fill("x" * 120)
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#f-name-error")).to_contain_text("at most 100 characters")
    expect(page.get_by_label("SCIM token (Microsoft Entra ID, Okta)")).to_be_checked()
    page.get_by_label("Name").fill("Okta provisioning")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token “Okta provisioning”").input_value()
    assert secret.startswith("pdscim_")
    expect(page.locator("body")).to_contain_text("only time it is shown")
    page.goto(web_server.url + "/admin/tokens")
    expect(page.locator("body")).not_to_contain_text(secret)
    row = page.get_by_role("row").filter(has_text="Okta provisioning")
    expect(row).to_contain_text("Active")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Revoke token Okta provisioning").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    expect(page.get_by_role("row").filter(has_text="Okta provisioning")).to_contain_text("Revoked")
    with web_server.database.reading() as db:
        try:
            tokens.authenticate(db, secret, kind="scim")
            raise AssertionError("a revoked token still works")
        except tokens.Unauthenticated:
            pass


def test_admin_signs_in_through_the_sign_in_page_and_read_only_admins_cannot_change(
    page: Any, context: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """Real sign-in to the Account Manager; a read-only administrator sees no Save (R-AD1)."""
    page.goto(web_server.url + "/admin/profiles")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_label("Username").fill(f"pat{acct.name.split()[-1]}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My Account › User Profiles")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/admin/profiles$"))  # back where they were going
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in"))
    page.goto(web_server.url + "/admin/profiles")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    ro = run(lambda s: profiles.create_profile(s, first_name="Rae", last_name="Only",
                                               email="rae@webco.example",
                                               username=f"rae{acct.id}").public_id)
    run(lambda s: profiles.set_role(s, ro, ROLE_READ_ONLY))
    set_password(web_server, ro, PASSWORD)
    context.clear_cookies()
    sign_in_as(web_server, context, ro)
    page.goto(web_server.url + f"/admin/profiles/{ro}")
    expect(page.locator(".banner")).to_contain_text("read-only administrator")
    expect(page.get_by_role("button", name="Save profile")).to_be_disabled()
