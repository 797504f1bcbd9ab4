"""API & SCIM Tokens in Chromium: a token used once shows when, not "never"."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from phonedesk.auth import tokens
from tests.conftest import AccountInfo
from tests.web.conftest import ScopeFor, Server


def test_a_used_token_shows_its_last_use(admin_page: Any, web_server: Server,
                                         acct: AccountInfo, run: ScopeFor) -> None:
    _, secret = run(lambda s: tokens.create_token(s, name="Nightly export"))
    run(lambda s: tokens.create_token(s, name="Never used"))
    r = httpx.get(web_server.url + "/api/v1/profiles",
                  headers={"Authorization": f"Bearer {secret}"})
    assert r.status_code == 200
    admin_page.goto(web_server.url + "/admin/tokens")
    used = admin_page.get_by_role("row", name="Nightly export")
    expect(used).to_contain_text("UTC")  # created and last used, both times
    assert used.inner_text().count("UTC") == 2
    never = admin_page.get_by_role("row", name="Never used")
    expect(never).to_contain_text("never")
