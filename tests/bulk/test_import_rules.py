"""Row and file rules of the CSV import, one test per case (R-C4, R-C5, R-P1, R-P2)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from tests.bulk.conftest import HEADER, create, csv_bytes, errors_of, upload
from tests.conftest import AccountInfo, auth, make_account


def _file_error(body: dict[str, object]) -> str:
    assert body["status"] == "rejected", body
    errors = body["file_errors"]
    assert isinstance(errors, list) and len(errors) == 1, errors
    message: str = errors[0]["message"]
    return message


def test_new_rows_are_validated_and_nothing_changes_before_submit(api: TestClient) -> None:
    """R-C3: blank Internal ID → new; upload alone creates nothing."""
    body = upload(api, csv_bytes([["", "Ann", "Lee", "ann@acme.example", ""]]))
    assert body["status"] == "validated"
    assert body["counts"] == {"new": 1, "changed": 0, "unchanged": 0, "error": 0}
    row = body["rows"]["items"][0]
    assert row["row"] == 2 and row["outcome"] == "new"
    assert row["values"]["username"] == "ann@acme.example"  # R-P2 default
    assert api.get("/api/v1/profiles", params={"q": "ann"}).json()["total"] == 0


def test_tampered_internal_id_is_an_error_telling_not_to_edit_it(api: TestClient) -> None:
    body = upload(api, csv_bytes([["pzzzzzzzzzzzzzzz", "Ann", "Lee", "ann@acme.example", ""]]))
    assert body["status"] == "rejected"
    [(row, column, message)] = errors_of(body)
    assert (row, column) == (2, "Internal ID")
    assert "not a profile of this account" in message and "Do not edit" in message


def test_long_garbage_internal_id_is_an_error_not_a_crash(api: TestClient) -> None:
    body = upload(api, csv_bytes([["x" * 5000, "Ann", "Lee", "ann@acme.example", "ann"]]))
    [(row, column, _)] = errors_of(body)
    assert (row, column) == (2, "Internal ID")


def test_internal_id_of_another_account_is_an_error(
    api: TestClient, database: Database, settings: Settings
) -> None:
    """R-AC1/R-C4: a foreign account's profile is invisible, and never changed."""
    other = make_account(database, settings, "Globex")
    body = upload(api, csv_bytes([[other.primary_admin_id, "Evil", "Edit",
                                   "evil@acme.example", "evil"]]))
    [(row, column, _)] = errors_of(body)
    assert (row, column) == (2, "Internal ID")
    foreign = api.get(f"/api/v1/profiles/{other.primary_admin_id}",
                      headers=auth(other.token)).json()
    assert foreign["first_name"] == "Pat"


def test_repeated_internal_id_is_an_error(api: TestClient) -> None:
    ann = create(api, "Ann", "Lee", "ann@acme.example")
    body = upload(api, csv_bytes([
        [ann["id"], "Ann", "Lee", "ann@acme.example", "ann@acme.example"],
        [ann["id"], "Anne", "Lee", "ann@acme.example", "ann@acme.example"],
    ]))
    [(row, column, message)] = errors_of(body)
    assert (row, column) == (3, "Internal ID") and "also on row 2" in message


def test_username_over_30_characters_is_an_error(api: TestClient) -> None:
    body = upload(api, csv_bytes([["", "Ann", "Lee", "ann@acme.example", "a" * 31]]))
    [(row, column, message)] = errors_of(body)
    assert (row, column) == (2, "Username") and "at most 30" in message


def test_long_email_without_username_asks_for_one(api: TestClient) -> None:
    email = "a.very.long.name.indeed@department.acme.example"
    body = upload(api, csv_bytes([["", "Ann", "Lee", email, ""]]))
    [(row, column, message)] = errors_of(body)
    assert (row, column) == (2, "Username")
    assert "longer than 30" in message and "Enter a username" in message


def test_every_error_in_the_file_is_reported(api: TestClient) -> None:
    """R-C3: every error, with row number and column, not just the first."""
    body = upload(api, csv_bytes([
        ["", "", "Lee", "not-an-email", ""],
        ["", "Bob", "B" * 51, "bob@acme.example", "bob"],
        ["", "Cy", "Ok", "cy@acme.example", "cy"],
    ]))
    assert body["counts"] == {"new": 1, "changed": 0, "unchanged": 0, "error": 2}
    found = {(row, column) for row, column, _ in errors_of(body)}
    assert found == {(2, "First Name"), (2, "Email Address"), (3, "Last Name")}
    submitted = api.post(f"/api/v1/imports/{body['id']}/submit")
    assert submitted.status_code == 409
    assert submitted.json()["error"]["code"] == "import_has_errors"


def test_case_insensitive_duplicate_username_in_file(api: TestClient) -> None:
    body = upload(api, csv_bytes([
        ["", "Zoë", "A", "z1@acme.example", "Zoë"],
        ["", "Zoë", "B", "z2@acme.example", "ZOË"],
    ]))
    [(row, column, message)] = errors_of(body)
    assert (row, column) == (3, "Username") and "also on row 2" in message


def test_case_insensitive_duplicate_username_against_database_any_account(
    api: TestClient, database: Database, settings: Settings
) -> None:
    """R-P2: usernames are unique across the installation, not only the account."""
    make_account(database, settings, "Globex", admin_username="Boss")
    create(api, "Ann", "Lee", "ann@acme.example", "annlee")
    body = upload(api, csv_bytes([
        ["", "New", "One", "n1@acme.example", "ANNLEE"],
        ["", "New", "Two", "n2@acme.example", "boss"],
    ]))
    errors = errors_of(body)
    assert [(r, c) for r, c, _ in errors] == [(2, "Username"), (3, "Username")]
    assert all("already taken" in m for _, _, m in errors)


def test_two_profiles_swap_usernames(api: TestClient) -> None:
    """R-C4: uniqueness is judged on the state after the whole file."""
    a = create(api, "Ann", "Lee", "ann@acme.example", "alpha")
    b = create(api, "Bob", "Ray", "bob@acme.example", "beta")
    body = upload(api, csv_bytes([
        [a["id"], "Ann", "Lee", "ann@acme.example", "BETA"],
        [b["id"], "Bob", "Ray", "bob@acme.example", "alpha"],
    ]))
    assert body["status"] == "validated", errors_of(body)
    assert body["counts"]["changed"] == 2
    change = body["rows"]["items"][0]["changes"]
    assert change == [{"field": "username", "column": "Username", "before": "alpha",
                       "after": "BETA"}]
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 200
    assert api.get(f"/api/v1/profiles/{a['id']}").json()["username"] == "BETA"
    assert api.get(f"/api/v1/profiles/{b['id']}").json()["username"] == "alpha"


def test_taking_a_username_that_another_row_gives_up(api: TestClient) -> None:
    a = create(api, "Ann", "Lee", "ann@acme.example", "alpha")
    body = upload(api, csv_bytes([
        [a["id"], "Ann", "Lee", "ann@acme.example", "ann2"],
        ["", "New", "Person", "new@acme.example", "Alpha"],
    ]))
    assert body["status"] == "validated", errors_of(body)
    assert api.post(f"/api/v1/imports/{body['id']}/submit").status_code == 200


def test_profiles_missing_from_the_file_are_left_alone(api: TestClient) -> None:
    a = create(api, "Ann", "Lee", "ann@acme.example")
    body = upload(api, csv_bytes([["", "New", "Person", "new@acme.example", "newp"]]))
    api.post(f"/api/v1/imports/{body['id']}/submit")
    kept = api.get(f"/api/v1/profiles/{a['id']}").json()
    assert kept["status"] == "active" and kept["first_name"] == "Ann"


def test_missing_header_is_a_file_error(api: TestClient) -> None:
    body = upload(api, csv_bytes([["", "Ann", "Lee", ""]], header=[*HEADER[:3], "Username"]))
    message = _file_error(body)
    assert "“Email Address”" in message and "missing" in message


def test_unknown_header_is_a_file_error_naming_it(api: TestClient, labels: object) -> None:
    body = upload(api, csv_bytes([], header=[*HEADER, "Departmnet"]))
    message = _file_error(body)
    assert "Unknown column “Departmnet”" in message and "“Department”" in message
    assert body["file_errors"][0]["column"] == "Departmnet"


def test_repeated_header_is_a_file_error(api: TestClient) -> None:
    body = upload(api, csv_bytes([], header=[*HEADER, " last name "]))
    assert "“last name” appears more than once" in _file_error(body)


def test_headers_match_case_insensitively_with_spaces_and_bom(api: TestClient) -> None:
    header = [" internal id", "FIRST NAME ", "last name", "email address", "USERNAME"]
    body = upload(api, csv_bytes([["", "Ann", "Lee", "ann@acme.example", ""]], header,
                                 bom=True))
    assert body["status"] == "validated" and body["encoding"] == "utf-8-sig"
    assert body["counts"]["new"] == 1


def test_windows_1252_is_accepted_with_a_notice(api: TestClient) -> None:
    data = csv_bytes([["", "Zoë", "Müller", "zoe@acme.example", ""]], encoding="cp1252")
    body = upload(api, data)
    assert body["status"] == "validated" and body["encoding"] == "cp1252"
    assert any("Windows-1252" in n for n in body["notices"])
    assert body["rows"]["items"][0]["values"]["last_name"] == "Müller"


def test_semicolon_and_tab_delimiters(api: TestClient) -> None:
    for delimiter, word in ((";", "semicolons"), ("\t", "tabs")):
        body = upload(api, csv_bytes([["", "Ann", "Lee, Jr", "ann@acme.example", "ann"]],
                                     delimiter=delimiter))
        assert body["status"] == "validated", body
        assert body["rows"]["items"][0]["values"]["last_name"] == "Lee, Jr"
        assert any(word in n for n in body["notices"])


def test_crlf_lf_blank_lines_and_embedded_newlines(api: TestClient, labels: object) -> None:
    data = (
        b"Internal ID,First Name,Last Name,Email Address,Username,Department\n"
        b"\n"
        b',Ann,Lee,ann@acme.example,ann,"Sales\r\nNorth"\r\n'
        b"   \r\n"
        b",Bob,Ray,bob@acme.example,bob,\n"
        b",,,,,\n"
    )
    body = upload(api, data)
    assert body["status"] == "validated", body
    assert body["counts"]["new"] == 2
    rows = body["rows"]["items"]
    assert [r["row"] for r in rows] == [3, 5]
    assert rows[0]["values"]["custom_field_1"] == "Sales\r\nNorth"


def test_custom_column_left_out_keeps_values_and_empty_cell_clears(
    api: TestClient, labels: object
) -> None:
    """R-C5: an absent custom column leaves the field; an empty cell clears it."""
    a = create(api, "Ann", "Lee", "ann@acme.example", "ann", custom_field_1="Sales",
               custom_field_2="CC1")
    body = upload(api, csv_bytes([[a["id"], "Ann", "Lee", "ann@acme.example", "ann", ""]],
                                 header=[*HEADER, "department"]))
    assert body["counts"]["changed"] == 1
    api.post(f"/api/v1/imports/{body['id']}/submit")
    after = api.get(f"/api/v1/profiles/{a['id']}").json()
    assert after["custom_field_1"] is None and after["custom_field_2"] == "CC1"


def test_row_limit_exceeded_is_a_clear_error(api: TestClient, settings: Settings) -> None:
    settings.import_max_rows = 3
    rows = [["", f"P{i}", "X", f"p{i}@acme.example", f"p{i}"] for i in range(4)]
    message = _file_error(upload(api, csv_bytes(rows)))
    assert "more than 3 rows" in message


def test_size_limit_exceeded_is_a_clear_error(api: TestClient, settings: Settings) -> None:
    settings.import_max_bytes = 100
    rows = [["", f"P{i}", "X", f"p{i}@acme.example", f"p{i}"] for i in range(10)]
    assert "larger than" in _file_error(upload(api, csv_bytes(rows)))


def test_empty_file(api: TestClient) -> None:
    assert "empty" in _file_error(upload(api, b""))


def test_header_only_file_has_no_rows(api: TestClient) -> None:
    body = upload(api, csv_bytes([]))
    assert body["status"] == "validated"
    assert body["counts"] == {"new": 0, "changed": 0, "unchanged": 0, "error": 0}


def test_binary_file(api: TestClient) -> None:
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert "binary" in _file_error(upload(api, data, "photo.png"))


def test_extra_cells_beyond_the_header_are_an_error(api: TestClient) -> None:
    body = upload(api, csv_bytes([["", "Ann", "Lee", "ann@acme.example", "ann", "surprise"]]))
    [(row, column, message)] = errors_of(body)
    assert (row, column) == (2, None) and "more cells" in message


def test_upload_without_a_file_is_malformed_not_500(api: TestClient) -> None:
    response = api.post("/api/v1/imports")
    assert response.status_code == 422


def test_account_info_is_used(account: AccountInfo) -> None:
    assert account.name == "Acme"


@pytest.mark.parametrize("control", ["\u202e", "\u200b", "\u2028", "\u2029", "\x07"])
def test_a_control_character_in_a_cell_is_an_error_naming_the_column(
    api: TestClient, control: str
) -> None:
    """R-P1 as amended: CSV cells go through the one definition (Cc, Cf, Zl, Zp)."""
    body = upload(api, csv_bytes([["", f"Ann{control}Marie", "Lee", "ann@acme.example", ""],
                                  ["", "Bo", "Ek", f"bo{control}x@acme.example", "bo"]]))
    errors = errors_of(body)
    assert [(row, column) for row, column, _ in errors] == [
        (2, "First Name"), (3, "Email Address")]
    assert all("control character" in message for _, _, message in errors)
