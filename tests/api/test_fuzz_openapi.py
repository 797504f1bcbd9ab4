"""Property-based: random and malformed input at every documented endpoint never
gives a 500 (issue 2 acceptance; DESIGN §5 "nothing a client sends causes a 500").

Schemathesis reads our own OpenAPI document and drives the ASGI app in-process,
authenticated as a real account, on each database backend. Example counts are
bounded so that the whole run stays well under a minute per backend.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import AccountInfo, auth

POSITIVE_EXAMPLES = 5
NEGATIVE_EXAMPLES = 4


def _seed(api: TestClient, account: AccountInfo) -> dict[str, str]:
    """Real objects, so that some generated requests reach the deeper code paths."""
    profile = api.post("/api/v1/profiles", json={
        "first_name": "Fuzz", "last_name": "Target", "email": "fuzz@acme.example",
    }).json()
    assert api.post("/api/v1/extensions", json={"number": "201"}).status_code == 201
    assert api.put("/api/v1/extensions/201/profile",
                   json={"profile_id": profile["id"]}).status_code == 200
    return {"profile_id": profile["id"], "number": "201"}


def _operations(app: FastAPI) -> list[Any]:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


def _run(operation: Any, mode: GenerationMode, headers: dict[str, str],
         path_parameters: dict[str, str] | None, examples: int) -> None:
    known = {k: v for k, v in (path_parameters or {}).items()
             if any(p.name == k for p in operation.path_parameters)}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=known or None)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def check(case: Any) -> None:
        response = case.call(headers=headers)
        # Every documented response, errors included, must match the OpenAPI document.
        case.validate_response(response, checks=[not_a_server_error,
                                                  response_schema_conformance])
        if response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
            body = response.json()
            assert set(body) == {"error"}, body
            assert body["error"]["code"] and body["error"]["message"], body

    try:
        check()
    except Unsatisfiable:
        # An operation with nothing to negate (no parameters, no body) has no
        # negative cases; its positive run still counts.
        if mode is not GenerationMode.NEGATIVE:
            raise


def test_no_endpoint_gives_500(app: FastAPI, api: TestClient, account: AccountInfo) -> None:
    """Every operation, positive and negative data, random and real path ids."""
    real = _seed(api, account)
    headers = auth(account.token)
    operations = _operations(app)
    assert len(operations) >= 15
    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
                               (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)):
            _run(operation, mode, headers, None, examples)
            if operation.path_parameters and mode is GenerationMode.POSITIVE:
                _run(operation, mode, headers, real, examples)


@pytest.mark.parametrize("token", [None, "pd_not-a-real-token"])
def test_every_endpoint_refuses_without_a_valid_token(app: FastAPI, client: TestClient,
                                                      token: str | None) -> None:
    """401 with the one error shape on every operation, whatever the input."""
    headers = auth(token) if token else {}
    for operation in _operations(app):
        path = operation.path
        for name in ("profile_id", "number"):
            path = path.replace("{" + name + "}", "x1")
        response = client.request(operation.method.upper(), path, headers=headers, json={})
        assert response.status_code == 401, (operation.method, path, response.text)
        assert set(response.json()) == {"error"}
        assert response.json()["error"]["code"]


HOSTILE = ["\x00", "a\x00b", "%", "_%_", "'", '"', "\\", "../../etc/passwd",
           "' OR 1=1 --", "x" * 5000, "😀", "\u202eevil", "ﷺ" * 30, "İı", "\ud7ff",
           "99999999999999999999999", "-1", "", " ", "null", "true", "1e309",
           "9999-12-31T23:59:59-23:00", "0000-00-00"]


def _body_properties(spec: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if not schema:
        return []
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return list(schema.get("properties", {}))


def test_hostile_strings_in_every_parameter(app: FastAPI, api: TestClient,
                                            account: AccountInfo) -> None:
    """Deterministic companion of the random run: NUL, huge, odd Unicode and
    injection-looking values in every path, query and body field."""
    real = _seed(api, account)
    spec = api.get("/api/v1/openapi.json").json()
    checked = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            params = operation.get("parameters", [])
            query_names = [p["name"] for p in params if p["in"] == "query"]
            fields = _body_properties(spec, operation)
            for value in HOSTILE:
                has_ids = any(p["in"] == "path" for p in params)
                for use_real_ids in (False, True) if has_ids else (False,):
                    url = path
                    for p in params:
                        if p["in"] == "path":
                            given = real.get(p["name"]) if use_real_ids else None
                            url = url.replace("{" + p["name"] + "}",
                                              quote(given or value, safe=""))
                    kwargs: dict[str, Any] = {"params": {n: value for n in query_names}}
                    if fields:
                        kwargs["json"] = {f: value for f in fields}
                    response = api.request(method.upper(), url, **kwargs)
                    assert response.status_code < 500, (method, url, value, response.text)
                    if response.status_code >= 400:
                        assert set(response.json()) == {"error"}, response.text
                    checked += 1
    assert checked > 500
