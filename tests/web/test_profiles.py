"""My Account → User Profiles in Chromium: the seed procedures for many profiles, the
common-area profile, and offboarding (R-C1–R-C6, R-P1–R-P4, R-D1, R-DIR1, R-AD1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from phonedesk.extensions import service as extensions
from phonedesk.messages import service as messages
from phonedesk.models.web_session import KIND_PORTAL
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import ScopeFor, Server, sign_in_as


def _read_csv(path: str) -> list[list[str]]:
    raw = Path(path).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # R-C2: UTF-8 with BOM for Excel
    assert b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_define_custom_fields_download_edit_upload_verify_submit(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor, tmp_path: Path
) -> None:
    """Seed "Multiple User Profiles", every step, custom field first (R-C1–R-C5, R-P4)."""
    ann = run(lambda s: profiles.create_profile(
        s, first_name="Ann", last_name="Lee", email="ann@webco.example",
        username=f"ann{acct.id}").public_id)
    page = admin_page
    # In Account Manager, click My Account > User Profiles.
    page.goto(web_server.url + "/admin/extensions")
    page.get_by_role("link", name="User Profiles").click()
    expect(page.get_by_role("heading", name="My Account › User Profiles")).to_be_visible()
    # Click Edit Viewable/Hidden Fields.
    page.get_by_role("button", name="Edit Viewable/Hidden Fields").click()
    dialog = page.get_by_role("dialog", name="Edit Viewable/Hidden Fields")
    expect(dialog).to_be_visible()
    # Check the box next to Custom Field 1; Save without a label is refused next to it.
    dialog.get_by_label("Custom Field 1", exact=True).check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#cf1-error")).to_contain_text("Type a header label for Custom Field 1")
    expect(dialog.get_by_label("Custom Field 1", exact=True)).to_be_checked()
    # Name the field by typing in the adjacent Header label box; also show Internal ID.
    dialog.get_by_label("Header label for Custom Field 1").fill("Department")
    dialog.get_by_label("Internal ID").check()
    # Click Save, then OK.
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("status")).to_contain_text("saved")
    dialog.get_by_role("button", name="OK").click()
    expect(page.get_by_role("columnheader", name="Department")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Internal ID")).to_be_visible()
    # Click Download CSV Template at the bottom of the screen.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV Template").click()
    rows = _read_csv(download.value.path())
    header = ["Internal ID", "First Name", "Last Name", "Email Address", "Username", "Department",
              "Extensions"]
    assert rows[0] == header
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[ann][1:5] == ["Ann", "Lee", "ann@webco.example", f"ann{acct.id}"]
    # Open the file; enter new profiles and edit a current one. Save it.
    by_id[ann][5] = "Sales"
    by_id[ann][3] = "ann.lee@webco.example"
    new_rows = [["", "Bob", "Ray", "bob@webco.example", f"bob{acct.id}", "Support", ""],
                ["", "Cat", "Sims", "cat@webco.example", "", "Support", ""]]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([header, *by_id.values(), *new_rows])
    edited = tmp_path / "profiles.csv"
    edited.write_bytes(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))
    # On the User Profile page, click Upload CSV Template, then Proceed.
    page.get_by_role("link", name="Upload CSV Template").click()
    expect(page.locator("body")).to_contain_text("Do not change the Internal ID")
    page.get_by_role("link", name="Proceed").click()
    # Click Add, locate the file, then Upload.
    expect(page.locator("#upload-progress")).to_be_hidden()  # shown only while uploading
    page.get_by_label("CSV file").set_input_files(str(edited))
    page.get_by_role("button", name="Upload").click()
    # Verify that the new information is correct.
    expect(page.get_by_role("heading", name="Verify the upload")).to_be_visible()
    expect(page.locator("#count-new")).to_have_text("2")
    expect(page.locator("#count-changed")).to_have_text("1")
    expect(page.locator("#count-unchanged")).to_have_text("1")  # Pat Admin
    expect(page.locator("#count-error")).to_have_text("0")
    page.get_by_role("link", name="Changed (1)", exact=True).click()
    changes = page.locator("#tab-changed")
    expect(changes).to_contain_text("Email Address: ann@webco.example → ann.lee@webco.example")
    expect(changes).to_contain_text("Department: (blank) → Sales")
    page.get_by_role("link", name="New (2)", exact=True).click()
    expect(page.locator("#tab-new")).to_contain_text("cat@webco.example")
    # Nothing has changed yet (R-C3).
    page.goto(web_server.url + "/admin/profiles?q=Sims")
    expect(page.locator("#profile-results")).to_contain_text("No profile matches")
    page.go_back()
    # Click Submit.
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", name="Upload submitted")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("2 new and 1 changed")
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)
    page.get_by_role("link", name="Back to User Profiles").click()
    table = page.locator("#profiles-table")
    expect(table).to_contain_text("ann.lee@webco.example")
    expect(table).to_contain_text("Cat")
    expect(page.get_by_role("row", name="Bob Ray")).to_contain_text("Support")
    # Export: every profile, the template's columns (R-C6).
    with page.expect_download() as export:
        page.get_by_role("link", name="Export profiles (CSV)").click()
    exported = _read_csv(export.value.path())
    assert exported[0] == header
    assert {r[3] for r in exported[1:]} >= {"ann.lee@webco.example", "bob@webco.example",
                                             "cat@webco.example"}


def test_upload_with_errors_shows_row_and_column_and_cannot_be_submitted(
    admin_page: Any, web_server: Server, acct: AccountInfo, tmp_path: Path
) -> None:
    """R-C3, R-C4: every error with its row and column; Submit is not offered."""
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Internal ID,First Name,Last Name,Email Address,Username\r\n"
        ",Dee,,dee@webco.example,\r\n"
        "pnotarealid000000,Eve,Ng,eve@webco.example,\r\n"
        ",Fay,Oh,not-an-email,\r\n", encoding="utf-8")
    page = admin_page
    page.goto(web_server.url + "/admin/imports/new?step=choose")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#f-file-error")).to_contain_text("Choose a CSV file")
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#count-error")).to_have_text("3")
    errors = page.locator("#tab-error")
    expect(errors.get_by_role("row").filter(has_text="Last Name")).to_contain_text("2")
    expect(errors).to_contain_text("Internal ID")
    expect(errors).to_contain_text("Email Address")
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)
    expect(page.locator("body")).to_contain_text("Correct them in the file")
    # A file saved by Excel on Windows: read as Windows-1252, and the preview says so (R-C5).
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("Internal ID;First Name;Last Name;Email Address;Username\r\n"
                       ";José;Muñoz;jose@webco.example;\r\n".encode("cp1252"))
    page.goto(web_server.url + "/admin/imports/new?step=choose")
    page.get_by_label("CSV file").set_input_files(str(legacy))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".notice.info").first).to_contain_text("Windows-1252")
    expect(page.locator("#count-new")).to_have_text("1")
    expect(page.locator("#tab-new")).to_contain_text("Muñoz")


def test_front_lobby_common_area_profile(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """Seed item 4: Front/Lobby with the PA's email, username "Front Lobby", on an extension,
    then in the Contact Directory (R-P1 emails not unique, R-P2 spaces, R-DIR1)."""
    run(lambda s: extensions.create_extension(s, number="100"))
    page = admin_page
    page.goto(web_server.url + "/admin/profiles")
    page.get_by_role("link", name="New User Profile").click()
    page.get_by_label("First Name").fill("Front")
    page.get_by_label("Last Name").fill("Lobby")
    page.get_by_label("Email Address").fill(acct.admin_email)
    expect(page.get_by_label("User Name")).to_have_value(acct.admin_email)
    # The primary administrator's username is taken (R-P2: unique, case-insensitive).
    page.get_by_label("User Name").fill(f"PAT{acct.name.split()[-1]}")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#f-username-error")).to_contain_text("already taken")
    expect(page.get_by_label("First Name")).to_have_value("Front")
    lobby = f"Front Lobby {acct.id}"
    page.get_by_label("User Name").fill(lobby)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Profile Front Lobby created")
    # Then go to the extension and assign the Front Lobby user profile to it.
    page.goto(web_server.url + "/admin/extensions/100")
    page.get_by_label("Find a profile to assign").fill("Lobby")
    page.get_by_role("radio", name="Front Lobby").check()
    page.get_by_role("button", name="Save Changes").click()
    expect(page.get_by_role("status")).to_contain_text("assigned to Front Lobby")
    page.get_by_role("link", name="Contact Directory").click()
    expect(page.get_by_role("row", name="Front Lobby")).to_contain_text("100")


def test_disable_profile_moves_its_extensions_to_the_primary_administrator(
    admin_page: Any, context: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """Seed item 6 / R-D1: the confirmation says what will happen; then it happens."""
    def setup(s: Any) -> str:
        p = profiles.create_profile(s, first_name="Gil", last_name="Moe",
                                    email="gil@webco.example", username=f"gil{acct.id}")
        for n in ("201", "202"):
            extensions.create_extension(s, number=n, profile_id=p.public_id)
        extensions.update_extension(s, "202", {"voicemail_email": "gil@home.example"})
        messages.deposit(s, number="201", data=b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28,
                         caller_number="+15550123")
        return p.public_id

    gil = run(setup)
    page = admin_page
    page.goto(web_server.url + "/admin/profiles")
    page.get_by_label("Search profiles").fill("Moe")
    page.get_by_role("link", name="Open profile Gil Moe").click()
    page.get_by_role("button", name="Disable profile").click()
    dialog = page.get_by_role("dialog", name="Disable Gil Moe?")
    expect(dialog).to_contain_text("Extensions 201 and 202 will move to Pat Admin. "
                                   "Voicemails are kept.")
    expect(dialog.get_by_role("button", name="Disable profile")).to_be_visible()
    dialog.get_by_role("button", name="Disable profile").click()
    expect(page.get_by_role("status")).to_contain_text("Extensions 201 and 202 moved to Pat Admin")
    expect(page.locator("h1")).to_contain_text("Disabled")
    # The profile's history shows the change.
    expect(page.locator("#history-title + div")).to_contain_text(
        "Gil Moe's profile was disabled; extensions 201 and 202 moved to the primary "
        "administrator")
    page.get_by_role("link", name="View All Extensions").click()
    for n in ("201", "202"):
        expect(page.get_by_role("row", name=n)).to_contain_text("Held by primary administrator")
    page.get_by_role("link", name="Edit extension 202").click()
    # R-D1: the private address was cleared; notifications go to the PA.
    expect(page.get_by_label("Voicemail-to-email address")).to_have_value(acct.admin_email)
    page.goto(web_server.url + f"/admin/profiles/{acct.primary_admin_id}")
    expect(page.locator(".held-list")).to_contain_text("Extension 201 (held)")
    expect(page.locator(".held-list")).to_contain_text("Extension 202 (held)")
    # Seed item 6: the primary administrator retrieves the voicemail in Virtual Office.
    sign_in_as(web_server, context, acct.primary_admin_id, kind=KIND_PORTAL)
    page.goto(web_server.url + "/portal/messages")
    expect(page.locator("body")).to_contain_text("from +15550123 · extension 201")
    page.goto(web_server.url + f"/admin/profiles/{gil}")
    page.get_by_role("button", name="Enable profile").click()
    page.get_by_role("dialog").get_by_role("button", name="Enable profile").click()
    expect(page.get_by_role("status")).to_contain_text("stay with the primary administrator")


def test_profile_edit_roles_transfer_and_errors_next_to_fields(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """Edit keeps bad input with the message beside it; roles and the PA transfer (R-AD1,
    R-AC2); a setup link can be resent."""
    hal = run(lambda s: profiles.create_profile(
        s, first_name="Hal", last_name="Poe", email="hal@webco.example",
        username=f"hal{acct.id}").public_id)
    page = admin_page
    page.goto(web_server.url + f"/admin/profiles/{hal}")
    page.get_by_label("First Name").fill("")
    page.get_by_label("Email Address").fill("hal@@bad")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("#f-first_name-error")).to_contain_text("First Name is required")
    expect(page.get_by_label("Email Address")).to_have_value("hal@@bad")
    page.get_by_label("First Name").fill("Hank")
    page.get_by_label("Email Address").fill("hank@webco.example")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile saved")
    expect(page.locator("h1")).to_contain_text("Hank Poe")
    page.get_by_role("button", name="Resend setup link").click()
    expect(page.get_by_role("status")).to_contain_text("setup link was emailed")
    page.get_by_label("Role").select_option(label="Administrator")
    page.get_by_role("button", name="Save role").click()
    # A role change is confirmed first, saying what each role may do.
    confirm = page.get_by_role("dialog", name="Change the admin rights of Hank Poe?")
    expect(confirm).to_contain_text("New role: Administrator")
    confirm.get_by_role("button", name="Change admin rights").click()
    expect(page.get_by_role("status")).to_contain_text("Admin rights saved")
    page.get_by_role("button", name="Make primary administrator").click()
    page.get_by_role("dialog").get_by_role("button", name="Make primary administrator").click()
    expect(page.locator("h1")).to_contain_text("primary administrator")
    expect(page.locator("body")).to_contain_text("The primary administrator cannot be disabled")


def test_profile_table_sorts_searches_and_pages(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    def setup(s: Any) -> None:
        for i in range(60):
            profiles.create_profile(s, first_name=f"Zed{i:02d}", last_name=f"Q{i:02d}",
                                    email=f"z{i}@webco.example", username=f"z{i}-{acct.id}")

    run(setup)
    page = admin_page
    page.goto(web_server.url + "/admin/profiles")
    expect(page.locator(".pager .count").first).to_contain_text("1–25 of 61")
    first_row = page.locator("#profiles-table tbody tr").first
    expect(first_row).to_contain_text("Pat")  # Admin sorts before Q00
    page.get_by_role("link", name="Last Name").click()
    expect(page.locator("#profiles-table th[aria-sort]")).to_have_attribute("aria-sort",
                                                                           "descending")
    expect(first_row).to_contain_text("Q59")
    page.get_by_role("link", name="Next").first.click()
    expect(page.locator(".pager .count").first).to_contain_text("26–50 of 61")
    page.get_by_label("Search profiles").fill("zed3")
    expect(page.locator("#profiles-table tbody tr")).to_have_count(10)
