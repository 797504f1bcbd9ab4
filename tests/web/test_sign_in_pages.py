"""Sign-in in Chromium (R-V2, R-V3): one sign-in for the Account Manager and Virtual Office,
and Forgot password → email → new password → sign-in."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from phonedesk.extensions import service as extensions
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import PASSWORD, ScopeFor, Server

NEW_PASSWORD = "marble lantern orchard 2031"


def _sign_in(page: Any, server: Server, path: str, username: str, password: str) -> None:
    page.goto(server.url + path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_with_an_extension_moves_between_both_sides_signed_in_once(
    page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """R-V2: the primary administrator holds 701 (Virtual Office on); signed in once on the
    Account Manager page, the header's links go to Virtual Office and back, no form between."""
    run(lambda s: extensions.create_extension(s, number="701",
                                              profile_id=acct.primary_admin_id))
    username = run(lambda s: profiles.primary_admin(s).username)
    _sign_in(page, web_server, "/sign-in", username, PASSWORD)
    expect(page.get_by_role("heading", name="View All Extensions")).to_be_visible()
    visited: list[str] = []
    page.on("framenavigated", lambda frame: visited.append(frame.url))
    page.locator("header").get_by_role("link", name="Virtual Office").click()
    expect(page.get_by_role("heading", name="My Extensions")).to_be_visible()
    expect(page.get_by_role("region", name="Extension 701")).to_be_visible()
    page.locator("header").get_by_role("link", name="Account Manager").click()
    expect(page.get_by_role("heading", name="View All Extensions")).to_be_visible()
    page.locator("header").get_by_role("link", name="Virtual Office").click()
    expect(page.get_by_role("heading", name="My Extensions")).to_be_visible()
    assert visited and not [url for url in visited if "sign-in" in url], visited
    # One sign-out ends both sides.
    page.locator("header").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Virtual Office")).to_be_visible()
    page.goto(web_server.url + "/admin/extensions")
    expect(page.get_by_role("heading", name="Sign in to the Account Manager")).to_be_visible()


def test_forgot_password_email_new_password_sign_in(
    page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """R-V2 as amended: the link on the sign-in page emails a setup link through the outbox;
    the page says the same for an unknown username."""
    username = run(lambda s: profiles.primary_admin(s).username)
    email = run(lambda s: profiles.primary_admin(s).email)
    page.goto(web_server.url + "/sign-in")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Username").fill("nobody-at-all")
    page.get_by_role("button", name="Email me a link").click()
    unknown_answer = page.locator("#forgot-sent").inner_text()
    page.goto(web_server.url + "/sign-in")
    page.get_by_role("link", name="Forgot password?").click()
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator("#forgot-sent")).to_have_text(unknown_answer)
    web_server.mailbox.deliver(web_server)
    received = web_server.mailbox.to(email)
    assert received, "the reset email reached the SMTP server"
    body = received[-1].get_body(preferencelist=("plain",)).get_content()
    assert received[-1]["Subject"] == f"Create a new {acct.name} password"
    links = re.findall(r"http://127\.0\.0\.1:\d+/password/setup/[A-Za-z0-9_\-]+", body)
    assert links, body
    page.goto(links[-1])
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create password").click()
    expect(page.get_by_role("heading", name="Password created")).to_be_visible()
    _sign_in(page, web_server, "/sign-in", username, PASSWORD)  # the old one no longer works
    expect(page.locator(".field-error")).to_contain_text("not right")
    _sign_in(page, web_server, "/sign-in", username, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="View All Extensions")).to_be_visible()
