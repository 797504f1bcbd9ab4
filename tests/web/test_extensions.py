"""Phone System → View All Extensions → Edit Extension, in Chromium (R-E1–R-E5, R-D2, R-V1).

Follows the seed procedure "Single User Profile" step by step.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from phonedesk.extensions import service as extensions
from phonedesk.models import OutboxMessage
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import ScopeFor, Server


def test_single_user_profile_procedure_from_edit_extension_to_save_changes(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """Seed: View All Extensions → Edit → Create New User Profile → Save → Save Changes (R-E5)."""
    run(lambda s: [extensions.create_extension(s, number=n) for n in ("201", "202")])
    page = admin_page
    # Log in to Account Manager; click Phone System > View All Extensions.
    page.goto(web_server.url + "/")
    expect(page.get_by_role("heading", name="Phone System › View All Extensions")).to_be_visible()
    expect(page.locator("header")).to_contain_text(acct.name)
    expect(page.locator("header")).to_contain_text("Pat Admin")
    row = page.get_by_role("row", name="201")
    expect(row).to_contain_text("Held by primary administrator")
    # Click Edit under Actions for the extension.
    page.get_by_role("link", name="Edit extension 201").click()
    expect(page.get_by_role("heading", name="Edit Extension 201")).to_be_visible()
    # Under Extension Information, click Create New User Profile.
    page.get_by_role("button", name="Create New User Profile").click()
    dialog = page.get_by_role("dialog", name="Create New User Profile")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("First Name")).to_be_focused()
    # Complete the pop-up: the username is pre-filled from the email and editable (R-P2).
    dialog.get_by_label("First Name").fill("Ann")
    dialog.get_by_label("Last Name").fill("Lee")
    dialog.get_by_label("Email Address").fill("ann.lee@webco.example")
    expect(dialog.get_by_label("User Name")).to_have_value("ann.lee@webco.example")
    dialog.get_by_label("User Name").fill(f"annlee{acct.id}")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    new_choice = page.get_by_role("radio", name="New profile: Ann Lee")
    expect(new_choice).to_be_checked()
    expect(page.get_by_role("status")).to_contain_text("Click Save Changes to assign it")
    # Click Save Changes to associate the new profile with this extension.
    page.get_by_role("button", name="Save Changes").click()
    expect(page.get_by_role("status")).to_contain_text("assigned to Ann Lee")
    # Caller ID and notification addresses were filled from the profile (R-E3).
    expect(page.get_by_label("Caller ID first name")).to_have_value("Ann")
    expect(page.get_by_label("Caller ID last name")).to_have_value("Lee")
    expect(page.get_by_label("Voicemail-to-email address")).to_have_value("ann.lee@webco.example")
    expect(page.locator("#f-fax_email-hint")).to_contain_text("From the profile of Ann Lee")
    # The assignment email went to the profile's address with a password link (R-V1).
    with web_server.database.reading() as db:
        kinds = db.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.account_id == acct.id,
            OutboxMessage.to_address == "ann.lee@webco.example")).all()
    assert kinds == ["assigned_setup"]
    # Back on the list, 201 shows Ann Lee.
    page.get_by_role("link", name="View All Extensions").first.click()
    expect(page.get_by_role("row", name="201")).to_contain_text("Ann Lee")


def test_new_profile_dialog_rejects_bad_input_next_to_the_field_and_keeps_it(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """R-P1, R-P2: errors in plain words beside each field; what was typed stays."""
    run(lambda s: extensions.create_extension(s, number="301"))
    run(lambda s: profiles.create_profile(s, first_name="Taken", last_name="Name",
                                          email="t@webco.example", username=f"taken{acct.id}"))
    page = admin_page
    page.goto(web_server.url + "/admin/extensions/301")
    page.get_by_role("button", name="Create New User Profile").click()
    dialog = page.get_by_role("dialog", name="Create New User Profile")
    dialog.get_by_label("First Name").fill("Bo")
    dialog.get_by_label("Email Address").fill("not-an-email")
    dialog.get_by_role("button", name="Save").click()
    # Every bad field at once, focus on the first (R-P1).
    expect(dialog.locator("#np-last_name-error")).to_contain_text("Last Name is required")
    expect(dialog.locator("#np-email-error")).to_contain_text("not a valid email address")
    expect(dialog.get_by_label("Last Name")).to_be_focused()
    expect(dialog.get_by_label("First Name")).to_have_value("Bo")
    expect(dialog.get_by_label("Email Address")).to_have_value("not-an-email")
    dialog.get_by_label("Last Name").fill("Diddley")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#np-last_name-error")).to_have_count(0)  # the answer is in
    expect(dialog.locator("#np-email-error")).to_contain_text("not a valid email address")
    dialog.get_by_label("Email Address").fill("bo@webco.example")
    dialog.get_by_label("User Name").fill(f"TAKEN{acct.id}")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#np-username-error")).to_contain_text("already taken")
    expect(dialog.get_by_label("User Name")).to_have_value(f"TAKEN{acct.id}")
    # A long email with no username: the error asks for one (R-P2).
    dialog.get_by_label("Email Address").fill("bartholomew.diddley.longname@webco.example")
    dialog.get_by_label("User Name").fill("")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#np-username-error")).to_contain_text("Enter a username")
    # Escape closes the dialog and focus returns to the button that opened it.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Create New User Profile")).to_be_focused()


def test_edit_extension_fields_affect_that_extension_only_and_bad_email_is_kept(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """R-E4: an edited notification address stays on this extension; blank follows again."""
    def setup(s: Any) -> None:
        p = profiles.create_profile(s, first_name="Cy", last_name="Dee", email="cy@webco.example",
                                    username=f"cy{acct.id}")
        for n in ("401", "402"):
            extensions.create_extension(s, number=n, profile_id=p.public_id)

    run(setup)
    page = admin_page
    page.goto(web_server.url + "/admin/extensions/401")
    page.get_by_label("Voicemail-to-email address").fill("bad address")
    page.get_by_role("button", name="Save Changes").click()
    expect(page.locator("#f-voicemail_email-error")).to_contain_text("not a valid email address")
    expect(page.get_by_label("Voicemail-to-email address")).to_have_value("bad address")
    page.get_by_label("Voicemail-to-email address").fill("cy.private@home.example")
    page.get_by_role("button", name="Save Changes").click()
    expect(page.get_by_role("status")).to_contain_text("Extension 401 saved")
    expect(page.locator("#f-voicemail_email-hint")).to_contain_text("Edited for this extension")
    page.goto(web_server.url + "/admin/extensions/402")
    expect(page.get_by_label("Voicemail-to-email address")).to_have_value("cy@webco.example")
    # Blank makes 401 follow the profile again.
    page.goto(web_server.url + "/admin/extensions/401")
    page.get_by_label("Voicemail-to-email address").fill("")
    page.get_by_role("button", name="Save Changes").click()
    expect(page.get_by_label("Voicemail-to-email address")).to_have_value("cy@webco.example")


def test_choose_existing_profile_and_remove_it_with_the_primary_administrator_note(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """Assign by searching the chooser; removal says the PA takes the extension (R-D2)."""
    run(lambda s: extensions.create_extension(s, number="501"))
    run(lambda s: profiles.create_profile(s, first_name="Dana", last_name="Fox",
                                          email="dana@webco.example", username=f"dana{acct.id}"))
    page = admin_page
    page.goto(web_server.url + "/admin/extensions/501")
    page.get_by_label("Find a profile to assign").fill("Fox")
    page.get_by_role("radio", name="Dana Fox").check()
    page.get_by_label("Enable Virtual Office Online").uncheck()
    page.get_by_role("button", name="Save Changes").click()
    expect(page.get_by_role("status")).to_contain_text("assigned to Dana Fox")
    expect(page.get_by_label("Enable Virtual Office Online")).not_to_be_checked()
    with web_server.database.reading() as db:
        kinds = db.scalars(select(OutboxMessage.kind).where(
            OutboxMessage.to_address == "dana@webco.example")).all()
    assert kinds == ["assigned_no_portal"]  # R-V1: no password instructions
    page.get_by_role("button", name="Remove profile from this extension").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("will go to the primary administrator, Pat Admin")
    expect(dialog).to_contain_text("Voicemails and faxes are kept")
    dialog.get_by_role("button", name="Remove profile").click()
    expect(page.get_by_role("status")).to_contain_text("now holds it")
    expect(page.get_by_label("Voicemail-to-email address")).to_have_value(acct.admin_email)


def test_extension_list_searches_and_pages(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    run(lambda s: [extensions.create_extension(s, number=str(n)) for n in range(100, 160)])
    page = admin_page
    page.goto(web_server.url + "/admin/extensions")
    expect(page.locator(".pager .count").first).to_contain_text("1–25 of 60")
    page.get_by_role("link", name="Next").first.click()
    expect(page.locator(".pager .count").first).to_contain_text("26–50 of 60")
    page.get_by_label("Search extensions").fill("15")
    # A substring of the number (R-P1): 115 and 150–159.
    expect(page.locator("#ext-results tbody tr")).to_have_count(11)
    page.get_by_label("Search extensions").fill("999")
    expect(page.locator("#ext-results")).to_contain_text("No extension matches “999”")


def test_unknown_extension_and_unsigned_visitors_get_pages_not_json(
    admin_page: Any, web_server: Server, browser: Any
) -> None:
    """DESIGN §5: errors under /admin render as HTML pages, never JSON or a stack trace."""
    response = admin_page.goto(web_server.url + "/admin/extensions/999999")
    assert response.status == 404
    expect(admin_page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(admin_page.locator(".field-error")).to_contain_text("No extension 999999")
    # A post without the session's CSRF token: a readable page, not JSON.
    forged = admin_page.request.post(web_server.url + "/admin/extensions/999999/remove-profile",
                                     form={"csrf_token": "forged"}, max_redirects=0)
    assert forged.status == 403
    assert forged.headers["content-type"].startswith("text/html")
    assert "This form has expired" in forged.text() and "Traceback" not in forged.text()
    ctx = browser.new_context()
    try:
        anon = ctx.new_page()
        anon.goto(web_server.url + "/admin/extensions")
        assert "/sign-in" in anon.url
    finally:
        ctx.close()


def test_create_new_user_profile_with_the_keyboard_only(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """The dialog opens, traps and returns focus, and submits with Enter (issue quality list)."""
    run(lambda s: extensions.create_extension(s, number="901"))
    page = admin_page
    page.goto(web_server.url + "/admin/extensions/901")
    page.get_by_role("button", name="Create New User Profile").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Create New User Profile")
    expect(dialog.get_by_label("First Name")).to_be_focused()
    page.keyboard.type("Kim")
    page.keyboard.press("Tab")
    page.keyboard.type("Park")
    page.keyboard.press("Tab")
    page.keyboard.type("kim.park@webco.example")
    page.keyboard.press("Tab")
    expect(dialog.get_by_label("User Name")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type(f"kimpark{acct.id}")
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("radio", name="New profile: Kim Park")).to_be_focused()
    page.get_by_role("button", name="Save Changes").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("assigned to Kim Park")
