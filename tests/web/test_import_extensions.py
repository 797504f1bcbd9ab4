"""Onboarding with extensions from one CSV file, in Chromium (R-C3, R-E1, R-E2, R-D2, R-V1).

The preview lists every assignment and the email it sends; submit sends exactly
those emails (to the test SMTP server) and the extensions show their profiles;
a number taken away in the file hands the extension to the primary administrator.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from phonedesk.extensions import service as extensions
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import ScopeFor, Server

HEADER = ["Internal ID", "First Name", "Last Name", "Email Address", "Username", "Extensions"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _upload(page: Any, server: Server, path: Path) -> None:
    page.goto(server.url + "/admin/imports/new?step=choose")
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()


def _sent_to(server: Server, addresses: list[str]) -> list[str]:
    return [str(m["To"]) for m in server.mailbox.messages
            if any(a in str(m["To"]) for a in addresses)]


def test_onboarding_three_people_with_extensions_from_one_file(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor, tmp_path: Path
) -> None:
    run(lambda s: extensions.create_extension(s, number="211"))  # held by the PA
    people = [(f"Ann{acct.id}", "211; 212"), (f"Bob{acct.id}", "213"), (f"Cy{acct.id}", "214")]
    emails = [f"{first.lower()}@webco.example" for first, _ in people]
    path = _write(tmp_path / "onboarding.csv",
                  [["", first, "Lee", email, "", numbers]
                   for (first, numbers), email in zip(people, emails, strict=True)])
    page = admin_page
    _upload(page, web_server, path)
    expect(page.locator("#count-new")).to_have_text("3")
    table = page.locator("#assignments")
    expect(table).to_contain_text("Extension assignments (4)")
    for number, email in (("211", emails[0]), ("212", emails[0]), ("213", emails[1]),
                          ("214", emails[2])):
        expect(table.get_by_role("row").filter(has_text=number)).to_contain_text(
            f"To {email}: a link to create a password")
    expect(table.get_by_role("row").filter(has_text="212")).to_contain_text("New extension")
    web_server.mailbox.deliver(web_server)
    assert _sent_to(web_server, emails) == []  # nothing is sent before submit (R-C3)

    page.get_by_role("button", name="Submit").click()
    credentials = page.locator("#created-extensions")
    for number in ("212", "213", "214"):
        expect(credentials).to_contain_text(f"Extension {number}")
    expect(credentials.locator("#sip-password")).to_have_count(3)
    web_server.mailbox.deliver(web_server)
    assert sorted(_sent_to(web_server, emails)) == sorted([emails[0], emails[0], emails[1],
                                                           emails[2]])
    bodies = "\n".join(m.get_body(preferencelist=("plain",)).get_content()
                       for m in web_server.mailbox.to(emails[0]))
    assert "211" in bodies and "212" in bodies

    page.goto(web_server.url + "/admin/extensions")
    rows = page.get_by_role("row")
    for number, (first, _) in (("211", people[0]), ("212", people[0]), ("213", people[1]),
                               ("214", people[2])):
        expect(rows.filter(has=page.get_by_role("cell", name=number, exact=True))
               ).to_contain_text(f"{first} Lee")


def test_removing_a_number_in_the_file_hands_the_extension_to_the_pa(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor, tmp_path: Path
) -> None:
    email = f"dan{acct.id}@webco.example"

    def setup(s: Any) -> str:
        dan = profiles.create_profile(s, first_name="Dan", last_name="Fox", email=email)
        extensions.create_extension(s, number="221", profile_id=dan.public_id)
        extensions.create_extension(s, number="222", profile_id=dan.public_id)
        return dan.public_id

    dan_id = run(setup)
    path = _write(tmp_path / "remove.csv", [[dan_id, "Dan", "Fox", email, email, "221"]])
    page = admin_page
    _upload(page, web_server, path)
    expect(page.locator("#count-changed")).to_have_text("1")
    row = page.locator("#assignments").get_by_role("row").filter(has_text="222")
    expect(row).to_contain_text("Taken away: the primary administrator holds it")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".notice").first).to_be_visible()

    page.goto(web_server.url + "/admin/extensions")
    rows = page.get_by_role("row")
    expect(rows.filter(has=page.get_by_role("cell", name="222", exact=True))
           ).to_contain_text("Held by primary administrator")
    expect(rows.filter(has=page.get_by_role("cell", name="221", exact=True))
           ).to_contain_text("Dan Fox")
    assert run(lambda s: extensions.get_extension(s, "222").profile_id) is None
