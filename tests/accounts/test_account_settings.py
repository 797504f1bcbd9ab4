"""Account settings (R-AU1): name (emails say it), time zone (pages show times in it), SIP
domain (through the switch's domain change): checked before anything changes, audited."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from phonedesk.accounts import settings as account_settings
from phonedesk.db import Database
from phonedesk.errors import PermissionDenied, ValidationFailed
from phonedesk.models import AuditEvent, OutboxMessage
from phonedesk.profiles import service as profiles
from phonedesk.scope import Actor
from phonedesk.web.templating import when
from tests.conftest import AccountInfo


def test_the_api_renames_sets_the_zone_and_the_domain(api: TestClient, database: Database,
                                                      account: AccountInfo) -> None:
    assert api.get("/api/v1/settings/account").json()["time_zone"] == "UTC"
    r = api.patch("/api/v1/settings/account", json={"name": "Acme Europe",
                                                    "time_zone": "Europe/Paris",
                                                    "sip_domain": "eu.acme.example"})
    assert r.status_code == 200, r.text
    assert r.json() == {"name": "Acme Europe", "time_zone": "Europe/Paris",
                        "sip_domain": "eu.acme.example"}
    # Emails say the new name.
    r = api.post("/api/v1/profiles", json={"first_name": "Ann", "last_name": "Lee",
                                           "email": "ann@acme.example"})
    api.post("/api/v1/extensions", json={"number": "201", "profile_id": r.json()["id"]})
    with database.reading() as db:
        body = db.scalar(select(OutboxMessage.body_text)
                         .where(OutboxMessage.to_address == "ann@acme.example"))
        actions = list(db.scalars(select(AuditEvent.action)))
    assert body is not None and "Acme Europe" in body
    assert "settings.account_updated" in actions and "settings.sip_domain_changed" in actions


@pytest.mark.parametrize("body", [{"time_zone": "Mars/Olympus"}, {"time_zone": "../etc"},
                                  {"time_zone": "/etc/passwd"}, {"time_zone": "posixrules"},
                                  {"name": ""}, {"name": "x" * 101},
                                  {"name": "Ok", "time_zone": "Nowhere/Else"},
                                  {"name": "Ok", "sip_domain": "not a domain!"}])
def test_bad_input_changes_nothing(api: TestClient, body: dict[str, Any]) -> None:
    before = api.get("/api/v1/settings/account").json()
    r = api.patch("/api/v1/settings/account", json=body)
    assert r.status_code == 422, r.text
    assert api.get("/api/v1/settings/account").json() == before


def test_every_bad_value_is_reported_at_once(api: TestClient) -> None:
    """Issue quality bar: a form flags every bad field together, not only the first."""
    r = api.patch("/api/v1/settings/account",
                  json={"name": "", "time_zone": "Mars/Olympus", "sip_domain": "not a domain!"})
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["error"]["detail"]["errors"]]
    assert sorted(fields) == ["domain", "name", "time_zone"]


def test_another_accounts_name_is_refused(api: TestClient, unit: Any, database: Database,
                                          settings: Any) -> None:
    from tests.conftest import make_account

    make_account(database, settings, "Globex")
    r = api.patch("/api/v1/settings/account", json={"name": "globex"})
    assert r.status_code == 409, r.text


def test_only_the_primary_administrator_among_people(unit: Any) -> None:
    with unit() as scope:
        other = profiles.create_profile(scope, first_name="Al", last_name="Min",
                                        email="al@acme.example")
        profiles.set_role(scope, other.public_id, "administrator")
        as_other = type(scope)(db=scope.db, account=scope.account,
                               actor=Actor.of_profile(other), settings=scope.settings)
        with pytest.raises(PermissionDenied):
            account_settings.update_settings(as_other, time_zone="Europe/Paris")


def test_zone_names_are_cleaned_and_times_shown_in_them() -> None:
    assert account_settings.clean_time_zone(" Europe/Paris ") == "Europe/Paris"
    with pytest.raises(ValidationFailed):
        account_settings.clean_time_zone("")
    moment = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert when(moment, "Europe/Paris") == "2026-07-01 14:00 CEST"
    assert when(moment, "America/New_York") == "2026-07-01 08:00 EDT"
    assert when(moment, None) == "2026-07-01 12:00 UTC"
    assert when(moment, "Bogus/Zone") == "2026-07-01 12:00 UTC"
