"""OpenAPI and Swagger UI at /api/v1 (issue 2, deliverable 4), usable offline:
every script and stylesheet of the docs page is served by PhoneDesk itself."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_openapi_document(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/profiles", "/api/v1/profiles/{profile_id}",
                 "/api/v1/profiles/{profile_id}/disable", "/api/v1/profiles/{profile_id}/enable",
                 "/api/v1/extensions", "/api/v1/extensions/{number}",
                 "/api/v1/extensions/{number}/profile", "/api/v1/directory", "/api/v1/roles",
                 "/api/v1/primary-administrator", "/api/v1/audit-events"):
        assert path in spec["paths"], path


def test_swagger_ui_needs_no_network(client: TestClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/api/v1/openapi.json" in page.text
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets, page.text
    for url in assets:
        if url.startswith("data:"):
            continue
        assert url.startswith("/"), f"docs page loads {url} from another host"
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) > 1000, url


def test_openapi_documents_the_error_shape(client: TestClient) -> None:
    """Clients generated from the document expect ``{"error": …}``, not FastAPI's default."""
    spec = client.get("/api/v1/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["error"]
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            for status in ("401", "404", "422"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path)
