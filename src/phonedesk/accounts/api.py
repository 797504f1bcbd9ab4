"""REST endpoints for account settings: ``/settings/profile-fields`` (R-C1) and
``/settings/account`` (name, time zone, SIP domain)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from phonedesk.accounts import profile_fields as service
from phonedesk.accounts import settings as account_settings
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


class AccountSettingsOut(BaseModel):
    name: str = Field(description="The account's name, as every email says it")
    time_zone: str = Field(description="IANA time zone; the pages show every time in it")
    sip_domain: str


class AccountSettingsIn(BaseModel):
    """Any part may be left out to keep it as it is."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=1000)
    time_zone: str | None = Field(default=None, max_length=1000)
    sip_domain: str | None = Field(default=None, max_length=1000)


@router.get("/settings/account", response_model=AccountSettingsOut,
            summary="The account's name, time zone and SIP domain")
def read_account_settings(scope: ReadScope) -> AccountSettingsOut:
    return AccountSettingsOut(**vars(account_settings.get_settings(scope)))


@router.patch("/settings/account", response_model=AccountSettingsOut,
              summary="Rename the account, set its time zone or SIP domain (audited)")
def update_account_settings(body: AccountSettingsIn, scope: WriteScope) -> AccountSettingsOut:
    changed = account_settings.update_settings(scope, name=body.name, time_zone=body.time_zone,
                                               sip_domain=body.sip_domain)
    return AccountSettingsOut(**vars(changed))
