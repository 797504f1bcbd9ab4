"""Every write endpoint × every kind of caller (R-AC2, R-AD1, R-V2, R-AC1).

The endpoints are read from the app's own routes, so a new one cannot escape:
a write route that the table below does not place under a policy fails the
test until someone decides who may call it. Path parameters name objects that
do not exist, so a caller that passes the gate changes nothing (a 404 or 422 is
"let through"); a caller that is refused must be refused by the gate itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from phonedesk.auth import tokens
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.models.token import KIND_SCIM
from tests.api.helpers import API, browser_session, create_profile
from tests.conftest import AccountInfo, scope_for

ROLES = ("pa", "administrator", "read_only", "portal_user", "api_token", "scim_token")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LET_THROUGH = "let through"
ADMIN_SIGN_IN = "sign-in:/sign-in"
PORTAL_SIGN_IN = "sign-in:/portal/sign-in"

# Who gets through each kind of endpoint; anyone else gets the status named.
POLICIES: dict[str, dict[str, int | str]] = {
    "admin_api": {"pa": LET_THROUGH, "administrator": LET_THROUGH, "api_token": LET_THROUGH,
                  "read_only": 403, "portal_user": 401, "scim_token": 401},
    # R-AC2 as amended: the PA alone (an API token is any administrator's to make).
    "pa_api": {"pa": LET_THROUGH, "administrator": 403, "api_token": 403,
               "read_only": 403, "portal_user": 401, "scim_token": 401},
    # Account settings and the SIP domain: the PA among people; the operator's token too.
    "pa_or_token_api": {"pa": LET_THROUGH, "administrator": 403, "api_token": LET_THROUGH,
                        "read_only": 403, "portal_user": 401, "scim_token": 401},
    # R-V2: admin rights open Virtual Office too, and one sign-in serves both sides.
    "portal_api": {"portal_user": LET_THROUGH, "pa": LET_THROUGH, "administrator": LET_THROUGH,
                   "read_only": LET_THROUGH, "api_token": 401, "scim_token": 401},
    "scim": {"scim_token": LET_THROUGH, "pa": 401, "administrator": 401, "read_only": 401,
             "portal_user": 401, "api_token": 401},
    "admin_page": {"pa": LET_THROUGH, "administrator": LET_THROUGH, "read_only": 403,
                   "portal_user": ADMIN_SIGN_IN, "api_token": ADMIN_SIGN_IN,
                   "scim_token": ADMIN_SIGN_IN},
    "portal_page": {"portal_user": LET_THROUGH, "pa": LET_THROUGH,
                    "administrator": LET_THROUGH, "read_only": LET_THROUGH,
                    "api_token": PORTAL_SIGN_IN, "scim_token": PORTAL_SIGN_IN},
}
# Signing in and out and creating a password need no prior credential (they check
# their own form token and the link's token): every caller is answered alike.
PUBLIC = "public"

SPECIAL: dict[tuple[str, str], str] = {
    ("PUT", "/api/v1/primary-administrator"): "pa_api",
    ("PUT", "/api/v1/settings/sip"): "pa_or_token_api",
    ("PATCH", "/api/v1/settings/account"): "pa_or_token_api",
    ("DELETE", "/api/v1/portal/messages/{message_id}"): "portal_api",
    ("POST", "/sign-in"): "public",
    ("POST", "/sign-out"): "public",
    ("POST", "/portal/sign-in"): "public",
    ("POST", "/portal/sign-out"): "public",
    ("POST", "/password/setup"): "public",
    ("POST", "/password/forgot"): "public",
}
PREFIX_POLICIES = (("/api/v1/", "admin_api"), ("/scim/v2/", "scim"),
                   ("/admin/", "admin_page"), ("/portal/", "portal_page"))

# Bodies that pass the schema, so that a check made by the service is what answers.
BODIES: dict[tuple[str, str], Any] = {
    ("PUT", "/api/v1/primary-administrator"): {"profile_id": "pzzzzzzzzzzzzzzz"},
    ("PUT", "/api/v1/settings/sip"): {"domain": "not a domain"},
}
MISSING = {"profile_id": "pzzzzzzzzzzzzzzz", "number": "999", "user_id": "pzzzzzzzzzzzzzzz",
           "token": "x" * 43}


def policy_of(method: str, path: str) -> str | None:
    if (method, path) in SPECIAL:
        return SPECIAL[(method, path)]
    for prefix, policy in PREFIX_POLICIES:
        if path.startswith(prefix):
            return policy
    return None


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted((route.methods or set()) & UNSAFE):
            found.append((method, str(route.path)))
    return found


@dataclass
class Caller:
    headers: dict[str, str]


def _callers(api: TestClient, database: Database, settings: Settings,
             account: AccountInfo) -> dict[str, Caller]:
    admin = create_profile(api, "Ada", "Admin", "ada@acme.example", username="ada")
    viewer = create_profile(api, "Rita", "Reader", "rita@acme.example", username="rita")
    user = create_profile(api, "Uma", "User", "uma@acme.example", username="uma")
    for who, role in ((admin, "administrator"), (viewer, "read_only_administrator")):
        assert api.put(f"{API}/profiles/{who['id']}/role", json={"role": role}).status_code == 200
    assert api.post(f"{API}/extensions", json={
        "number": "301", "virtual_office_enabled": True, "profile_id": user["id"]}
    ).status_code == 201
    with database.transaction() as db:
        _, scim_secret = tokens.create_token(scope_for(db, account.id, settings), kind=KIND_SCIM,
                                             name="idp")

    def session(public_id: str, kind: str) -> Caller:
        cookie, csrf = browser_session(database, public_id, kind)
        return Caller({"Cookie": f"phonedesk_{kind}={cookie}", "X-CSRF-Token": csrf})

    return {
        "pa": session(account.primary_admin_id, "admin"),
        "administrator": session(admin["id"], "admin"),
        "read_only": session(viewer["id"], "admin"),
        "portal_user": session(user["id"], "portal"),
        "api_token": Caller({"Authorization": f"Bearer {account.token}"}),
        "scim_token": Caller({"Authorization": f"Bearer {scim_secret}"}),
    }


def _verdict(response: Any) -> int | str:
    location = response.headers.get("location", "")
    if response.status_code in (302, 303) and "/sign-in" in location:
        return "sign-in:" + location.split("?")[0]
    if response.status_code in (401, 403):
        return int(response.status_code)
    return LET_THROUGH


def test_every_write_route_has_a_policy(app: FastAPI) -> None:
    routes = write_routes(app)
    assert len(routes) > 40
    assert [r for r in routes if policy_of(*r) not in {*POLICIES, PUBLIC}] == []
    assert set(SPECIAL) <= set(routes), "the table names a route that no longer exists"


@pytest.mark.parametrize("role", ROLES)
def test_each_write_route_lets_through_only_whom_it_should(
    role: str, app: FastAPI, api: TestClient, database: Database, settings: Settings,
    account: AccountInfo,
) -> None:
    caller = _callers(api, database, settings, account)[role]
    api.headers.pop("Authorization")
    wrong = []
    # Public routes last: signing out with the caller's cookie ends its session.
    for method, path in sorted(write_routes(app), key=lambda r: policy_of(*r) == PUBLIC):
        policy = policy_of(method, path)
        assert policy is not None
        url = path.format_map({**MISSING, **{k: "999999" for k in ("import_id", "email_id",
                                                                     "message_id", "token_id")}})
        api.cookies.clear()
        response = api.request(method, url, headers=caller.headers, follow_redirects=False,
                               json=BODIES.get((method, path), {}))
        assert response.status_code < 500, (method, path, response.text)
        if policy == PUBLIC:
            continue
        expected = POLICIES[policy][role]
        if _verdict(response) != expected:
            wrong.append((method, path, expected, response.status_code, response.text[:120]))
    assert wrong == [], "\n".join(map(str, wrong))
