"""The SCIM resources PhoneDesk serves, declared once with scim2-models.

The User model lists only the attributes a profile really stores (R-P1, R-P4):
a server that published the whole RFC 7643 User would accept values it then
drops, and conformance clients that write and read back every published
attribute would rightly flag that. ``/Schemas`` and ``/ResourceTypes`` are
generated from these classes, so what is published and what is parsed cannot
drift apart.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Mutability,
    Patch,
    Required,
    Resource,
    ResourceType,
    Returned,
    Schema,
    ScimPolicy,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
EXTENSION_SCHEMA = "urn:ietf:params:scim:schemas:extension:phonedesk:2.0:User"
MAX_RESULTS = 200


class UserName(ComplexAttribute):
    """The components of the person's name; both are required (R-P1)."""

    given_name: Annotated[str | None, Required.true] = Field(
        None, description="First Name, 1–50 characters."
    )
    family_name: Annotated[str | None, Required.true] = Field(
        None, description="Last Name, 1–50 characters."
    )


class UserEmail(ComplexAttribute):
    """The profile's one email address, published as its work email."""

    value: Annotated[str | None, Required.true] = Field(
        None, description="Email Address; also where voicemail notifications go by default."
    )
    type: str | None = Field(
        None, description="Always returned as “work”.", examples=["work"]
    )
    # ``primary`` is deliberately not declared: a profile has exactly one
    # address, so a flag a client could set to false would not survive a read.
    # Clients that send it are not refused (POLICY ignores it) and it still
    # picks the address to keep (see mapping._chosen_email).


class ProfileFields(Extension):
    """PhoneDesk custom fields 1–3 (R-P4), each at most 100 characters."""

    __schema__ = URN(EXTENSION_SCHEMA)

    custom_field_1: Annotated[str | None, Mutability.read_write] = Field(
        None, description="Custom field 1."
    )
    custom_field_2: Annotated[str | None, Mutability.read_write] = Field(
        None, description="Custom field 2."
    )
    custom_field_3: Annotated[str | None, Mutability.read_write] = Field(
        None, description="Custom field 3."
    )


class User(Resource[ProfileFields]):
    """A PhoneDesk user profile."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = Field(
        None,
        description="Username: at most 30 characters, unique case-insensitively "
        "across the installation.",
    )
    name: Annotated[UserName | None, Required.true] = None
    emails: Annotated[list[UserEmail] | None, Required.true] = None
    # A profile always has a status, so ``active`` cannot be unassigned; a
    # creation request that leaves it out creates an active profile.
    active: Annotated[bool | None, Required.true, Returned.default] = Field(
        None, description="false disables the profile (extensions go to the primary "
        "administrator); true enables it again."
    )


# What identity providers send beyond the letter of RFC 7644, accepted on
# purpose: attributes PhoneDesk does not store (displayName, title, the
# enterprise extension) are ignored rather than refused; Entra's ``remove``
# with a value selects what to remove; and Entra's ``add`` to
# ``emails[type eq "work"].value`` creates the work email when there is none.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def user_schema() -> Schema:
    schema = User.to_schema()
    schema.name = "User"
    schema.description = "User Account"
    return schema


def extension_schema(labels: dict[int, str]) -> Schema:
    """The custom-field extension, its descriptions naming the account's labels."""
    schema = ProfileFields.to_schema()
    schema.name = "PhoneDeskProfileFields"
    schema.description = "PhoneDesk custom fields"
    for n, attribute in enumerate(schema.attributes or [], start=1):
        label = labels.get(n)
        attribute.description = (
            f"Custom field {n} (“{label}”), at most 100 characters."
            if label
            else f"Custom field {n} (no label set: disabled, a value for it is refused "
            "until an administrator gives it a label)."
        )
    return schema


def user_resource_type() -> ResourceType:
    resource_type = ResourceType.from_resource(User)
    resource_type.description = "PhoneDesk user profiles"
    return resource_type


def service_provider_config() -> ServiceProviderConfig:
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type="oauthbearertoken",
                name="Bearer token",
                description="A per-account SCIM token created with "
                "`phonedesk tokens create --scim`.",
                primary=True,
            )
        ],
    )
