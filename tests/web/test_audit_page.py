"""The Audit Log page in Chromium (R-AU1): sentences about people and extensions for a
CSV-made change and an extension edit, filtered by a person's name or an extension."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from phonedesk.bulk import service as bulk
from phonedesk.extensions import service as extensions
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import ScopeFor, Server


def _import(run: ScopeFor, ann_id: str, n: int) -> None:
    rows = [
        "Internal ID,First Name,Last Name,Email Address,Username",
        f"{ann_id},Ann,Lee,ann{n}@webco.example,ann{n}",
        f",Cy,Moss,cy{n}@webco.example,cy{n}",
        f",Di,Park,di{n}@webco.example,di{n}",
        f",Ed,Wu,ed{n}@webco.example,ed{n}",
    ]
    data = ("\n".join(rows) + "\n").encode()

    def go(s: Any) -> None:
        batch = bulk.upload(s, io.BytesIO(data), "profiles.csv")
        assert not batch.file_errors, batch.file_errors
        bulk.submit(s, batch.public_id)

    run(go)


def test_the_audit_page_tells_a_csv_change_and_an_extension_edit_in_sentences(
    admin_page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    n = acct.id
    ann = run(lambda s: profiles.create_profile(
        s, first_name="Ann", last_name="Leigh", email=f"ann{n}@webco.example",
        username=f"ann{n}").public_id)
    run(lambda s: extensions.create_extension(s, number="201", profile_id=ann))
    _import(run, ann, n)
    run(lambda s: extensions.update_extension(s, "201", {"voicemail_email":
                                                          f"ann{n}@home.example"}))
    page = admin_page
    page.goto(web_server.url + "/admin/audit")
    table = page.locator("#audit-table")
    expect(table).to_contain_text("Import of profiles.csv: 3 created, 1 changed")
    expect(table).to_contain_text(
        f"Ann Lee's voicemail email for 201 changed from “ann{n}@webco.example” to "
        f"“ann{n}@home.example” (on this extension only)")
    expect(table).to_contain_text("Extension 201 was assigned to Ann Leigh")
    expect(table).to_contain_text("CSV import")  # the action's name, not import.applied
    text = table.inner_text()
    for code in ("import.applied", "extension.updated", "_edited", "{'", "None"):
        assert code not in text, code
    assert ann not in text  # names, not Internal IDs
    assert all(cell.inner_text().strip() for cell in table.locator("li").all())
    # A person's name filters to the events about them, an extension number to its own.
    page.get_by_label("Person or extension").fill("ann lee")
    page.get_by_role("button", name="Filter").click()
    expect(table).to_contain_text("voicemail email for 201")
    expect(table).not_to_contain_text("Import of profiles.csv")
    expect(table).not_to_contain_text("Cy Moss")
    page.get_by_label("Person or extension").fill("201")
    page.get_by_role("button", name="Filter").click()
    expect(table).to_contain_text("Extension 201 was created")
    expect(table).not_to_contain_text("Import of")
    # The CSV keeps the machine codes as columns; the sentence comes last.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8-sig"))))
    assert rows[0][2] == "Action" and rows[0][-1] == "What happened"
    assert {r[2] for r in rows[1:]} == {"extension.created", "extension.updated",
                                        "extension.assigned"}
    assert any("voicemail email for 201 changed" in r[-1] for r in rows[1:])
