"""SCIM discovery (RFC 7644 §4): what this service supports, for each account.

The schemas are generated from the models in scim/models.py; the custom-field
extension describes the account's own labels (R-P4).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from scim2_models import Context

from phonedesk.errors import NotFound
from phonedesk.scim import models
from phonedesk.scim.http import ReadScim, list_response, location, scim_response, with_meta
from phonedesk.scope import Scope

router = APIRouter()


@router.get("/ServiceProviderConfig")
def service_provider_config(scope: ReadScim) -> JSONResponse:
    body = models.service_provider_config().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    body["documentationUri"] = location(scope, "Schemas")
    return scim_response(with_meta(scope, body, "ServiceProviderConfig", "ServiceProviderConfig"))


def _schemas(scope: Scope) -> list[dict[str, Any]]:
    schemas = [models.user_schema(), models.extension_schema(scope.account.custom_labels())]
    return [
        with_meta(
            scope,
            schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE),
            "Schema",
            f"Schemas/{schema.id}",
        )
        for schema in schemas
    ]


@router.get("/Schemas")
def list_schemas(scope: ReadScim) -> JSONResponse:
    schemas = _schemas(scope)
    return scim_response(list_response(schemas, total=len(schemas)))


@router.get("/Schemas/{schema_id}")
def get_schema(schema_id: str, scope: ReadScim) -> JSONResponse:
    for schema in _schemas(scope):
        if schema["id"] == schema_id:
            return scim_response(schema)
    raise NotFound(f"There is no schema “{schema_id[:200]}”.")


def _resource_types(scope: Scope) -> list[dict[str, Any]]:
    resource_type = models.user_resource_type()
    body = resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return [with_meta(scope, body, "ResourceType", f"ResourceTypes/{resource_type.id}")]


@router.get("/ResourceTypes")
def list_resource_types(scope: ReadScim) -> JSONResponse:
    resource_types = _resource_types(scope)
    return scim_response(list_response(resource_types, total=len(resource_types)))


@router.get("/ResourceTypes/{resource_type_id}")
def get_resource_type(resource_type_id: str, scope: ReadScim) -> JSONResponse:
    for resource_type in _resource_types(scope):
        if resource_type["id"] == resource_type_id:
            return scim_response(resource_type)
    raise NotFound(f"There is no resource type “{resource_type_id[:200]}”.")
