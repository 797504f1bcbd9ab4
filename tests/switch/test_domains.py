"""The account's SIP domain (R-SW1): a default for every new account, unique in the
installation, changed by the primary administrator through the API or the page."""

from __future__ import annotations

import string

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import select

from phonedesk.auth import sessions
from phonedesk.auth.passwords import hash_password
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.errors import ValidationFailed
from phonedesk.models import AuditEvent, OutboxMessage, Profile, SipDomain
from phonedesk.models.web_session import KIND_ADMIN
from phonedesk.switch.domains import clean_domain, label_for
from tests.api.helpers import API, create_profile, error_of
from tests.cli.conftest import Cli, cli  # noqa: F401  (fixture)
from tests.conftest import AccountInfo, auth, make_account
from tests.outbox.support import form_token

LABEL = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=20)


@given(st.lists(LABEL, min_size=1, max_size=4), st.sampled_from(["com", "example", "test"]))
def test_host_names_are_accepted_in_lower_case(labels: list[str], tld: str) -> None:
    name = ".".join([*labels, tld])
    assert clean_domain(f"  {name.upper()}. ") == name


@hypothesis_settings(max_examples=300)
@given(st.text(max_size=300))
def test_any_text_is_a_domain_or_a_field_error(value: str) -> None:
    try:
        cleaned = clean_domain(value)
    except ValidationFailed as exc:
        assert exc.field == "domain"
        return
    assert cleaned == cleaned.lower() and "." in cleaned and len(cleaned) <= 253


def test_a_new_account_gets_a_domain_from_its_name(database: Database,
                                                   settings: Settings) -> None:
    assert label_for("Zoë & Co. GmbH") == "zoe-co-gmbh"
    first = make_account(database, settings, "Zoë & Co", admin_email="pat@zoe.example")
    second = make_account(database, settings, "Zoe Co")  # the same label: numbered
    with database.reading() as db:
        domains = {row.account_id: row.domain for row in db.scalars(select(SipDomain))}
    assert domains[first.id] == "zoe-co.sip.localhost"
    assert domains[second.id] == "zoe-co-2.sip.localhost"


def test_the_primary_administrator_sets_the_domain_through_the_api(
    api: TestClient, database: Database, settings: Settings, account: AccountInfo,
) -> None:
    assert api.get(f"{API}/settings/sip").json() == {
        "domain": "acme.sip.localhost", "realm": "acme.sip.localhost", "proxy": "127.0.0.1:5060"}
    changed = api.put(f"{API}/settings/sip", json={"domain": " Phones.ACME.example "})
    assert changed.status_code == 200
    assert changed.json()["domain"] == "phones.acme.example"
    with database.reading() as db:
        [event] = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "settings.sip_domain_changed")).all()
        assert (event.before, event.after) == ({"sip_domain": "acme.sip.localhost"},
                                               {"sip_domain": "phones.acme.example"})
        # Kamailio caches domains: a reload goes out after commit (R-SW7).
        [reload] = db.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "reload_domains")).all()
        assert reload.channel == "switch" and "phones.acme.example" in reload.subject
    # The same value again changes nothing and queues nothing more.
    api.put(f"{API}/settings/sip", json={"domain": "phones.acme.example"})
    with database.reading() as db:
        assert len(db.scalars(select(OutboxMessage)).all()) == 1


def test_a_bad_or_taken_domain_is_a_clear_field_error(
    api: TestClient, database: Database, settings: Settings,
) -> None:
    beta = make_account(database, settings, "Beta")
    api.put(f"{API}/settings/sip", json={"domain": "beta.example"}, headers=auth(beta.token))
    for bad in ("not a host", "acme", "acme..example", "-acme.example", "127.0.0.1",
                "acme.example/x", "ä.example", "a" * 64 + ".example", ""):
        error = error_of(api.put(f"{API}/settings/sip", json={"domain": bad}), 422)
        assert error["field"] == "domain", bad
    taken = error_of(api.put(f"{API}/settings/sip", json={"domain": "BETA.example"}), 409)
    assert taken["field"] == "domain" and "already used by another account" in taken["message"]
    assert api.get(f"{API}/settings/sip").json()["domain"] == "acme.sip.localhost"
    error_of(api.put(f"{API}/settings/sip", json={"domain": "x.example", "extra": 1}), 422)


def _admin_session(database: Database, public_id: str) -> tuple[str, str]:
    with database.transaction() as db:
        profile = db.scalar(select(Profile).where(Profile.public_id == public_id))
        assert profile is not None
        profile.password_hash = hash_password("correct horse battery staple 42")
        row, token = sessions.start(db, profile=profile, kind=KIND_ADMIN)
        return token, row.csrf_token


def test_only_the_primary_administrator_changes_it_in_the_pages(
    api: TestClient, client: TestClient, database: Database, account: AccountInfo,
) -> None:
    bea = create_profile(api, "Bea", "Boss", "bea@acme.example")
    api.put(f"{API}/profiles/{bea['id']}/role", json={"role": "administrator"})
    api.headers.pop("Authorization")
    token, csrf = _admin_session(database, bea["id"])
    client.cookies.set("phonedesk_admin", token)
    page = client.get("/admin/settings/sip")
    assert page.status_code == 200 and "Only the primary administrator" in page.text
    refused = client.put(f"{API}/settings/sip", json={"domain": "bea.example"},
                         headers={"X-CSRF-Token": csrf})
    assert error_of(refused, 403)["code"] == "primary_admin_only"
    # The primary administrator, in the page: field errors, then the change.
    token, csrf = _admin_session(database, account.primary_admin_id)
    client.cookies.set("phonedesk_admin", token)
    page = client.get("/admin/settings/sip")
    assert "Save SIP domain" in page.text
    bad = client.post("/admin/settings/sip",
                      data={"csrf_token": form_token(page.text), "domain": "no spaces.example"})
    assert bad.status_code == 422 and "A SIP domain is a host name" in bad.text
    done = client.post("/admin/settings/sip",
                       data={"csrf_token": form_token(page.text), "domain": "acme.example"},
                       follow_redirects=True)
    assert done.status_code == 200
    assert 'id="current-domain">acme.example<' in done.text
    assert "The SIP domain is now acme.example" in done.text


def test_init_takes_the_domain_and_refuses_a_bad_one_in_one_line(cli: Cli) -> None:  # noqa: F811
    base = ["init", "--admin-first-name", "Pat", "--admin-last-name", "Admin",
            "--admin-email", "pat@acme.example"]
    result = cli.ok(*base, "--account", "Acme", "--sip-domain", "Acme.Example")
    assert "with SIP domain acme.example" in result.stdout
    line = cli.fails(*base, "--account", "Other", "--sip-domain", "acme.example")
    assert "already used by another account" in line
    assert "A SIP domain is a host name" in cli.fails(*base, "--account", "Third",
                                                      "--sip-domain", "bad domain")
