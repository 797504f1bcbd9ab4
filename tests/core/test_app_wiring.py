"""``create_app`` wires each app on ``app.state``: two apps in one process share nothing.

Error renderers and the ways a caller authenticates used to be process-wide lists
filled by importing modules (behind global "installed" flags); a change to one
app leaked into every other app of the test run.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from phonedesk.api import errors
from phonedesk.api.deps import Principal
from phonedesk.app import create_app
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models import Account
from phonedesk.scope import Actor
from tests.conftest import AccountInfo


def test_two_apps_have_independent_renderers(settings: Settings, database: Database) -> None:
    first = create_app(settings, database, lifespan_hooks=())
    second = create_app(settings, database, lifespan_hooks=())
    prefixes = sorted(prefix for prefix, _ in first.state.problem_renderers)
    assert prefixes == ["/admin", "/portal", "/scim/"]
    # Building the second app added nothing to the first.
    assert sorted(prefix for prefix, _ in second.state.problem_renderers) == prefixes

    def teapot(request: Request, problem: errors.Problem) -> Response:
        return PlainTextResponse(f"teapot: {problem.code}", status_code=418)

    errors.add_renderer(first, "/api/v1/", teapot)
    with TestClient(first) as one, TestClient(second) as two:
        assert one.get("/api/v1/profiles").text == "teapot: unauthenticated"
        plain = two.get("/api/v1/profiles")
        assert plain.status_code == 401
        assert plain.json()["error"]["code"] == "unauthenticated"
        # SCIM and pages keep their own renderers in both.
        assert one.get("/scim/v2/Users").headers["content-type"].startswith(
            "application/scim+json")
        assert two.get("/scim/v2/Users").headers["content-type"].startswith(
            "application/scim+json")


def test_two_apps_have_independent_principal_resolvers(
    settings: Settings, database: Database, account: AccountInfo
) -> None:
    first = create_app(settings, database, lifespan_hooks=())
    second = create_app(settings, database, lifespan_hooks=())

    def everyone_is_the_cli(request: Request, db: Session) -> Principal | None:
        found = db.get(Account, account.id)
        assert found is not None
        return Principal(account=found, actor=Actor.cli())

    second.state.principal_resolvers.append(everyone_is_the_cli)
    with TestClient(first) as one, TestClient(second) as two:
        assert one.get("/api/v1/profiles").status_code == 401
        assert two.get("/api/v1/profiles").status_code == 200
        # The API token still comes first in both.
        token = {"Authorization": f"Bearer {account.token}"}
        assert one.get("/api/v1/profiles", headers=token).status_code == 200
    assert len(first.state.principal_resolvers) == 2
