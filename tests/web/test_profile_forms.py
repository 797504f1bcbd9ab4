"""The one profile form in Chromium (R-P2 as amended, R-P1, R-P4): the email edit offers
the username rename with its warning and never renames silently; every bad field is
flagged at once; a double-click creates one profile; the dialog is the same form."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from phonedesk.accounts import profile_fields
from phonedesk.extensions import service as extensions
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import ScopeFor, Server


def _by_username(run: ScopeFor, username: str) -> Any:
    return run(lambda s: profiles.get_by_username(s, username))


@pytest.mark.parametrize("accept", [False, True], ids=["keep-username", "rename-username"])
def test_email_edit_offers_the_username_rename_with_its_warning(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor, accept: bool
) -> None:
    old = f"gus{acct.id}@webco.example"
    new = f"gus.ray{acct.id}@webco.example"
    gus = run(lambda s: profiles.create_profile(
        s, first_name="Gus", last_name="Ray", email=old).public_id)
    page = admin_page
    page.goto(web_server.url + f"/admin/profiles/{gus}")
    offer = page.get_by_label("Also rename the sign-in name to the new address")
    expect(offer).to_be_hidden()  # nothing to offer until the email changes
    page.get_by_label("Email Address").fill(new)
    expect(offer).to_be_visible()
    expect(page.locator("#f-username-offer")).to_contain_text("sign-in name")
    # Typing the email never touches the username field (it used to follow silently).
    expect(page.get_by_label("User Name")).to_have_value(old)
    if accept:
        offer.check()
    page.get_by_role("button", name="Save profile").click()
    status = page.get_by_role("status")
    if accept:
        expect(status).to_contain_text(f"User Name (sign-in name) is now “{new}”")
        expect(page.get_by_label("User Name")).to_have_value(new)
        assert _by_username(run, new) is not None
    else:
        expect(status).to_contain_text(f"The User Name stays “{old}”")
        expect(page.get_by_label("User Name")).to_have_value(old)
        assert _by_username(run, old).email == new
        # No longer equal: no offer on the next edit.
        expect(page.locator("#f-username-offer")).to_have_count(0)


def test_a_four_error_form_shows_four_errors_with_the_input_kept(
    admin_page: Any, web_server: Server
) -> None:
    page = admin_page
    page.goto(web_server.url + "/admin/profiles/new")
    expect(page.locator("#f-first_name-hint")).to_have_text("At most 50 characters.")
    page.get_by_label("Last Name").fill("L" * 51)
    page.get_by_label("Email Address").fill("not-an-email")
    page.get_by_label("User Name").fill("bad/name")
    page.get_by_role("button", name="Save").click()
    errors = page.locator(".field-error")
    expect(errors).to_have_count(4)
    expect(page.locator("#f-first_name-error")).to_contain_text("First Name is required")
    expect(page.locator("#f-last_name-error")).to_contain_text("at most 50 characters")
    expect(page.locator("#f-email-error")).to_contain_text("not a valid email address")
    expect(page.locator("#f-username-error")).to_contain_text("letters, digits")
    expect(page.get_by_label("Last Name")).to_have_value("L" * 51)
    expect(page.get_by_label("User Name")).to_have_value("bad/name")


def test_a_double_click_on_save_creates_one_profile(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """The second click of a double-click lands while the first request is on its way
    (its answer is held back): it must send nothing."""
    page = admin_page
    held: list[tuple[Any, Any]] = []
    page.route("**/admin/profiles/new", lambda route: held.append(
        (route, route.fetch(max_redirects=0))) if route.request.method == "POST"
        else route.continue_())
    page.goto(web_server.url + "/admin/profiles/new")
    page.get_by_label("First Name").fill("Dot")
    page.get_by_label("Last Name").fill("Dee")
    page.get_by_label("Email Address").fill(f"dot{acct.id}@webco.example")
    save = page.get_by_role("button", name="Save", exact=True)
    save.scroll_into_view_if_needed()
    box = save.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    page.mouse.click(x, y)
    page.wait_for_timeout(500)
    assert len(held) == 1  # one request reached the server
    for route, response in held:
        route.fulfill(response=response)
    expect(page.get_by_role("status")).to_contain_text("Profile Dot Dee created")
    rows, _ = run(lambda s: profiles.list_profiles(
        s, profiles.ProfileQuery(q=f"dot{acct.id}@webco.example")))
    assert len(rows) == 1


def test_the_dialog_is_the_same_form_with_custom_fields_and_hints(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    run(lambda s: profile_fields.update_profile_fields(s, labels={1: "Department"}))
    run(lambda s: extensions.create_extension(s, number="231"))
    page = admin_page
    page.goto(web_server.url + "/admin/profiles/new")
    page_hints = page.locator(".hint").all_inner_texts()
    page.goto(web_server.url + "/admin/extensions/231")
    page.get_by_role("button", name="Create New User Profile").click()
    dialog = page.get_by_role("dialog", name="Create New User Profile")
    expect(dialog.get_by_label("Department")).to_be_visible()
    assert dialog.locator(".hint").all_inner_texts() == page_hints
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator(".field-error")).to_have_count(3)  # first, last name and email
    dialog.get_by_label("First Name").fill("Cy")
    dialog.get_by_label("Last Name").fill("Vo")
    dialog.get_by_label("Email Address").fill(f"cy{acct.id}@webco.example")
    dialog.get_by_label("Department").fill("Sales")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("was created")
    page.get_by_role("button", name="Save Changes").click()
    expect(page.get_by_role("status")).to_contain_text("assigned to Cy Vo")
    cy = _by_username(run, f"cy{acct.id}@webco.example")
    assert cy.custom_field_1 == "Sales"
