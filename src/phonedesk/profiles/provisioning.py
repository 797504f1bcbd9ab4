"""What identity providers need beyond the lifecycle: external ids and deprovisioning.

SCIM (R-S1) keeps its own identifier for a profile and removes users in one
call; both go through the same profile rules as an administrator's changes.
"""

from __future__ import annotations

from phonedesk.errors import ValidationFailed
from phonedesk.models import Profile
from phonedesk.profiles import service
from phonedesk.profiles.records import check_version, get_profile, record, touch
from phonedesk.scope import Scope
from phonedesk.text import refuse_control_characters

EXTERNAL_ID_MAX = 255


def clean_external_id(value: str | None) -> str | None:
    """An identity provider's id for a profile: kept exactly as sent, bounded."""
    if value is None or value == "":
        return None
    if len(value) > EXTERNAL_ID_MAX:
        raise ValidationFailed(
            f"The external id can be at most {EXTERNAL_ID_MAX} characters.",
            code="too_long",
            field="external_id",
        )
    return refuse_control_characters(value, label="The external id", field="external_id")


def set_external_id(scope: Scope, public_id: str, external_id: str | None) -> Profile:
    """Record (or clear) the identifier an identity provider keeps for the profile."""
    external_id = clean_external_id(external_id)
    profile = get_profile(scope, public_id)
    if profile.external_id == external_id:
        return profile
    before = profile.external_id
    profile.external_id = external_id
    touch(profile)
    scope.db.flush()
    record(
        scope,
        "profile.external_id_changed",
        profile,
        before={"external_id": before},
        after={"external_id": external_id},
    )
    return profile


def deprovision_profile(
    scope: Scope, public_id: str, *, expected_version: int | None = None
) -> Profile:
    """Remove a profile for an identity provider (R-D4, SCIM delete).

    An active profile is disabled first, exactly as an administrator would
    (R-D1: extensions to the PA, sessions and links voided), so that nothing it
    held stands in the way of the archive that follows.
    """
    profile = get_profile(scope, public_id)
    check_version(profile, expected_version)
    if profile.is_active:
        service.disable_profile(scope, public_id)
    return service.delete_profile(scope, public_id)
