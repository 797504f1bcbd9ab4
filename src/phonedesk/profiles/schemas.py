"""API shapes of user profiles (distinct from the ORM model)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from phonedesk.models import Account, Profile
from phonedesk.profiles.roles import role_of

Text = Field(default=None, max_length=1000)

RoleName = Literal["primary_administrator", "administrator", "read_only_administrator"]


class ProfileCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(max_length=1000)
    last_name: str = Field(max_length=1000)
    email: str = Field(max_length=1000)
    username: str | None = Text
    custom_field_1: str | None = Text
    custom_field_2: str | None = Text
    custom_field_3: str | None = Text


class ProfileUpdate(BaseModel):
    """Only the fields present change; ``null`` or ``""`` clears a custom field."""

    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Text
    last_name: str | None = Text
    email: str | None = Text
    username: str | None = Text
    custom_field_1: str | None = Text
    custom_field_2: str | None = Text
    custom_field_3: str | None = Text
    username_follows_email: bool = Field(
        default=False,
        description=(
            "With a new `email`: also set the username to it, when the username is the old "
            "email (the user's sign-in name changes). Otherwise the username stays (R-P2)."
        ),
    )


class ProfileOut(BaseModel):
    id: str = Field(description="The Internal ID: opaque, immutable, never reused")
    first_name: str
    last_name: str
    email: str
    username: str
    custom_field_1: str | None
    custom_field_2: str | None
    custom_field_3: str | None
    status: Literal["active", "disabled"]
    role: RoleName | None
    has_password: bool
    extensions: list[str]
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, account: Account, profile: Profile, extensions: list[str]) -> ProfileOut:
        return cls(
            id=profile.public_id,
            first_name=profile.first_name,
            last_name=profile.last_name,
            email=profile.email,
            username=profile.username,
            custom_field_1=profile.custom_field_1,
            custom_field_2=profile.custom_field_2,
            custom_field_3=profile.custom_field_3,
            status=profile.status,
            role=role_of(account, profile),
            has_password=profile.password_hash is not None,
            extensions=extensions,
            version=profile.version,
            created_at=profile.created_at,
            updated_at=profile.updated_at,
        )


class RoleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["administrator", "read_only_administrator"] | None


class PrimaryAdminTransfer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: str = Field(max_length=40)


class AdminOut(BaseModel):
    profile_id: str
    first_name: str
    last_name: str
    username: str
    role: RoleName
