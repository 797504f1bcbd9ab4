"""REST endpoints for account settings: ``/settings/profile-fields`` (R-C1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from phonedesk.accounts import profile_fields as service
from phonedesk.api.deps import ReadScope, WriteScope

router = APIRouter(tags=["settings"])

if TYPE_CHECKING:
    ColumnName = str
else:  # the table's columns, from the catalogue: an enum in the OpenAPI document
    ColumnName = Literal[service.TABLE_COLUMNS]


class CustomField(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, le=3)
    label: str | None = Field(default=None, max_length=1000,
                              description="Column header; blank or null disables the field")


class ProfileFieldsOut(BaseModel):
    custom_fields: list[CustomField]
    visible_columns: list[ColumnName]


class ProfileFieldsIn(BaseModel):
    """Either part may be left out to keep it as it is."""

    model_config = ConfigDict(extra="forbid")

    custom_fields: list[CustomField] | None = Field(default=None, max_length=3)
    visible_columns: list[ColumnName] | None = Field(default=None, max_length=20)


def _out(fields: service.ProfileFields) -> ProfileFieldsOut:
    return ProfileFieldsOut(
        custom_fields=[CustomField(number=n, label=label) for n, label in
                       sorted(fields.labels.items())],
        visible_columns=fields.visible_columns,
    )


@router.get("/settings/profile-fields", response_model=ProfileFieldsOut,
            summary="Custom field labels and the columns the profiles table shows")
def read_profile_fields(scope: ReadScope) -> ProfileFieldsOut:
    return _out(service.get_profile_fields(scope))


@router.put("/settings/profile-fields", response_model=ProfileFieldsOut,
            summary="Name custom fields and choose the viewable columns")
def update_profile_fields(body: ProfileFieldsIn, scope: WriteScope) -> ProfileFieldsOut:
    labels = None
    if body.custom_fields is not None:
        labels = {cf.number: cf.label for cf in body.custom_fields}
    return _out(service.update_profile_fields(scope, labels=labels,
                                              visible_columns=body.visible_columns))
