"""The one profile form without a browser (R-P1, R-P2, R-P4): every error at once with
the input kept, the catalogue's limits as hints, and the username offer on an email edit.
Runs on both databases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from phonedesk.db import Database
from phonedesk.models import Profile
from tests.conftest import AccountInfo
from tests.web.test_page_errors import admin

__all__ = ["admin"]


def _errors(html: str) -> dict[str, str]:
    return dict(re.findall(r'<p class="field-error" id="f-(\w+)-error">([^<]*)</p>', html))


def test_four_bad_fields_show_four_errors_and_keep_the_input(
    admin: tuple[TestClient, str],
) -> None:
    client, csrf = admin
    response = client.post("/admin/profiles/new", data={
        "csrf_token": csrf, "first_name": "", "last_name": "L" * 51, "email": "x@",
        "username": "bad/name"})
    assert response.status_code == 422
    errors = _errors(response.text)
    assert set(errors) == {"first_name", "last_name", "email", "username"}, errors
    assert "at most 50 characters (this one has 51)" in errors["last_name"]
    assert 'value="' + "L" * 51 + '"' in response.text
    assert 'value="bad/name"' in response.text
    # The limits come from the field catalogue, as hints.
    assert "At most 50 characters." in response.text
    assert "At most 30 characters" in response.text


def _pa(database: Database, account: AccountInfo) -> dict[str, str]:
    with database.reading() as db:
        p = db.query(Profile).filter_by(public_id=account.primary_admin_id).one()
        return {"first_name": p.first_name, "last_name": p.last_name, "email": p.email,
                "username": p.username}


@pytest.mark.parametrize("accept", [False, True])
def test_an_email_edit_offers_the_rename_and_never_does_it_silently(
    admin: tuple[TestClient, str], database: Database, account: AccountInfo, accept: bool,
) -> None:
    """R-P2 as amended: the username follows the email only when the admin ticks the offer."""
    client, csrf = admin
    pid = account.primary_admin_id
    pa = _pa(database, account)
    with database.transaction() as db:
        row = db.query(Profile).filter_by(public_id=pid).one()
        row.username, row.username_key = row.email, row.email.casefold()
        version = row.version
    page = client.get(f"/admin/profiles/{pid}").text
    assert "Also rename the sign-in name to the new address" in page
    assert "sign-in name" in page
    new_email = f"renamed.{pid[-6:]}@example.com"
    data = {"csrf_token": csrf, "version": str(version), "first_name": pa["first_name"],
            "last_name": pa["last_name"], "email": new_email, "username": pa["email"]}
    if accept:
        data["username_follows_email"] = "1"
    response = client.post(f"/admin/profiles/{pid}", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    after = _pa(database, account)
    assert after["email"] == new_email
    assert after["username"] == (new_email if accept else pa["email"])


def test_the_same_form_posted_twice_is_acted_on_once(
    admin: tuple[TestClient, str], database: Database, account: AccountInfo,
) -> None:
    """The server's guard behind the page's script: a repeat post of one form (same
    form_key) goes where the first answer went, never "already taken"."""
    client, csrf = admin
    page = client.get("/admin/profiles/new").text
    key = re.search(r'name="form_key" value="([^"]+)"', page)
    assert key is not None
    data = {"csrf_token": csrf, "form_key": key.group(1), "first_name": "Eve",
            "last_name": "Orr", "email": f"eve.{account.id}@example.com", "username": ""}
    first = client.post("/admin/profiles/new", data=data, follow_redirects=False)
    second = client.post("/admin/profiles/new", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303, second.text[:300]
    assert first.headers["location"] == second.headers["location"]
    with database.reading() as db:
        assert db.query(Profile).filter_by(email=f"eve.{account.id}@example.com").count() == 1
    # Another rendering of the form has another key: a real second profile is refused.
    data["form_key"] = "another-key"
    third = client.post("/admin/profiles/new", data=data, follow_redirects=False)
    assert third.status_code == 422 and "already taken" in third.text
    ext = {"csrf_token": csrf, "form_key": "ext-key", "number": "277",
           "virtual_office_enabled": "1"}
    created = client.post("/admin/extensions/new", data=ext, follow_redirects=False)
    assert created.status_code == 200 and "SIP password" in created.text
    again = client.post("/admin/extensions/new", data=ext, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/admin/extensions/277"


def test_the_primary_admin_page_lists_held_extensions_and_the_chooser_counts_the_rest(
    admin: tuple[TestClient, str], database: Database, account: AccountInfo, settings: Any,
) -> None:
    """Item by item: the PA's profile shows what it holds (R-D2); the chooser says how many
    more match beyond the first 8; counts read 17,748, not 17748."""
    from phonedesk.extensions import service as extensions
    from phonedesk.profiles import service as profiles
    from tests.conftest import scope_for

    client, _ = admin
    with database.transaction() as db:
        scope = scope_for(db, account.id, settings)
        for n in range(301, 306):
            extensions.create_extension(scope, number=str(n))
        for n in range(20):
            profiles.create_profile(scope, first_name="Zed", last_name=f"Many{n}",
                                    email=f"zed{n}.{account.id}@example.com")
    page = client.get(f"/admin/profiles/{account.primary_admin_id}").text
    assert '<p class="muted">No extension is assigned to this profile.</p>' not in page
    assert "Held as primary administrator: <strong>5 extensions</strong>" in page
    assert all(f'href="/admin/extensions/{n}"' in page for n in range(301, 306))
    choices = client.get("/admin/extensions/301/profile-choices?q=Zed").text
    assert choices.count('type="radio"') == 8
    assert "12 more: refine the search." in choices
    assert "more: refine" not in client.get(
        "/admin/extensions/301/profile-choices?q=Many19").text


def test_counts_are_formatted_alike() -> None:
    from phonedesk.web.templating import number, templates

    assert number(17748) == "17,748"
    macro = templates.env.from_string(
        '{% from "_macros.html" import pagination %}{{ pagination(p) }}')
    from phonedesk.web.pages.common import pager

    html = macro.render(p=pager("/x", 710, 25, 17748))
    assert "17,726–17,748 of 17,748" in html and "Page 710 of 710" in html


def test_the_fields_dialog_flags_every_missing_label(admin: tuple[TestClient, str]) -> None:
    client, csrf = admin
    response = client.post("/admin/profiles/fields", data={
        "csrf_token": csrf, "enable_custom_field_1": "1", "enable_custom_field_3": "1",
        "label_custom_field_2": "kept"})
    assert 'id="cf1-error"' in response.text and 'id="cf3-error"' in response.text
    assert 'id="cf2-error"' not in response.text
