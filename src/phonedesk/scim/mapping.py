"""Profile ↔ SCIM User.

One profile has one email address: it is published as the work email, and of
the emails a client sends PhoneDesk keeps the primary one, else the work one,
else the first. ``active`` maps to the profile status, which is
only ever changed through the profile service's disable/enable (R-D1, R-D3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from scim2_models import Meta

from phonedesk.models import Profile
from phonedesk.profiles import fields as catalogue
from phonedesk.scim.errors import ScimRequestError
from phonedesk.scim.models import EXTENSION_SCHEMA, ProfileFields, User, UserEmail, UserName

CUSTOM_FIELDS = catalogue.CUSTOM_KEYS


@dataclass(frozen=True)
class ProfileState:
    """What a SCIM client wants a profile to hold, in the profile service's terms."""

    first_name: str
    last_name: str
    email: str
    username: str
    custom_fields: dict[str, str | None]
    external_id: str | None
    active: bool | None

    def changes(self) -> dict[str, str | None]:
        """The editable fields for ``update_profile`` (PUT semantics: all of them)."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "username": self.username,
            **self.custom_fields,
        }


def version_tag(profile: Profile) -> str:
    """The ETag of a profile: its version, weak because the JSON form may vary."""
    return f'W/"{profile.version}"'


def to_resource(profile: Profile, base_url: str) -> User:
    user = User(
        id=profile.public_id,
        external_id=profile.external_id,
        user_name=profile.username,
        name=UserName(given_name=profile.first_name, family_name=profile.last_name),
        emails=[UserEmail(value=profile.email, type="work")],
        active=profile.is_active,
        meta=Meta(
            resource_type="User",
            created=profile.created_at,
            # RFC 7643 §3.1: never modified means lastModified equals created.
            last_modified=profile.updated_at if profile.version > 1 else profile.created_at,
            location=f"{base_url.rstrip('/')}/scim/v2/Users/{profile.public_id}",
            version=version_tag(profile),
        ),
    )
    custom = {field: getattr(profile, field) for field in CUSTOM_FIELDS}
    if any(value is not None for value in custom.values()):
        user[ProfileFields] = ProfileFields(**custom)
    return user


def _is_primary(email: UserEmail) -> bool:
    """Whether the client flagged this address primary (kept aside as an undeclared attribute)."""
    flags = [v for k, v in email.unknown_attributes.items() if k.lower() == "primary"]
    return bool(flags) and flags[0] in (True, "true", "True")


def _chosen_email(emails: list[UserEmail] | None) -> str | None:
    candidates = [e for e in emails or [] if e.value]
    if not candidates:
        return None
    for email in candidates:
        if _is_primary(email):
            return email.value
    for email in candidates:
        if (email.type or "").lower() == "work":
            return email.value
    return candidates[0].value


def to_state(user: User) -> ProfileState:
    """The profile a SCIM User describes; a missing required part is ``invalidValue``."""
    email = _chosen_email(user.emails)
    missing = []
    if not user.user_name:
        missing.append("userName")
    if user.name is None or not user.name.given_name:
        missing.append("name.givenName")
    if user.name is None or not user.name.family_name:
        missing.append("name.familyName")
    if email is None:
        missing.append("emails")
    if missing or user.name is None or email is None or user.user_name is None:
        raise ScimRequestError(
            f"PhoneDesk needs {', '.join(missing)} for every user profile.",
            scim_type="invalidValue",
        )
    extension = user[ProfileFields]
    custom = {field: getattr(extension, field) if extension else None for field in CUSTOM_FIELDS}
    return ProfileState(
        first_name=user.name.given_name or "",
        last_name=user.name.family_name or "",
        email=email,
        username=user.user_name,
        custom_fields=custom,
        external_id=user.external_id,
        active=user.active,
    )


def keep_unsent(state: ProfileState, body: dict[str, Any], profile: Profile) -> ProfileState:
    """PUT: keep what the client did not mention at all (RFC 7644 §3.5.1 leaves it open).

    Identity providers that do not manage PhoneDesk's custom fields, or that
    keep no external id, must not wipe what an administrator set.
    """
    keys = {key.lower() for key in body}
    if EXTENSION_SCHEMA.lower() not in keys:
        state = replace(
            state, custom_fields={field: getattr(profile, field) for field in CUSTOM_FIELDS}
        )
    if "externalid" not in keys:
        state = replace(state, external_id=profile.external_id)
    return state
