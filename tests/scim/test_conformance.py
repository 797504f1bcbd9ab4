"""R-S1: the public scim2-tester conformance suite against the live app.

uvicorn serves the real application on 127.0.0.1 over a real database (SQLite,
and PostgreSQL when configured); scim2-client talks to it over HTTP with the
account's SCIM token, discovers the service from /ServiceProviderConfig,
/ResourceTypes and /Schemas, and scim2-tester runs every check on it.
"""

from __future__ import annotations

import uuid
from collections import Counter

import httpx
from scim2_models import Mutability, Required
from scim2_tester import Status, check_server

from phonedesk.config import Settings
from phonedesk.db import Database
from tests.conftest import AccountInfo
from tests.scim.conftest import label_custom_fields, scim_token
from tests.scim.live import HttpxSCIMClient, live_server

ACCEPTED = {Status.SUCCESS, Status.COMPLIANT}


def _short_usernames(client: HttpxSCIMClient) -> None:
    """Give the discovered ``userName`` example values PhoneDesk accepts.

    scim2-tester draws a random UUID (36 characters) for a string attribute
    unless the model offers example values; R-P2 caps usernames at 30
    characters and this server refuses longer ones (400 invalidValue). SCIM
    schemas have no way to publish a maximum length, so the test, not the
    server, supplies short candidate names. Everything else the tester does
    comes from what the server published.
    """
    model = client.provider.model_for("User")
    assert model is not None
    field = model.model_fields["user_name"]
    assert model.get_field_annotation("user_name", Required) == Required.true
    assert model.get_field_annotation("user_name", Mutability) == Mutability.read_write
    field.examples = [f"t{uuid.uuid4().hex[:20]}" for _ in range(5000)]


def test_scim2_tester_finds_no_deviation(
    database: Database, settings: Settings, account: AccountInfo
) -> None:
    # The tester writes every attribute the schemas publish as writable, the custom
    # fields included, so they are enabled (R-P4: an unlabelled one refuses a value).
    label_custom_fields(database, account.id)
    secret = scim_token(database, settings, account.id)
    with live_server(settings, database) as base_url, httpx.Client(
        base_url=f"{base_url}/scim/v2/",
        headers={"Authorization": f"Bearer {secret}"},
        timeout=30,
    ) as http:
        client = HttpxSCIMClient(http)
        client.discover()
        _short_usernames(client)
        results = check_server(client)

    counts = Counter(result.status.name for result in results)
    print("scim2-tester:", ", ".join(f"{name}={n}" for name, n in sorted(counts.items())))
    bad = [r for r in results if r.status not in ACCEPTED]
    for result in bad:
        print(result.status.name, result.title, result.reason, result.data)
    assert results
    assert not bad
