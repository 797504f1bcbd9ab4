"""What SCIM requests do, in terms of the profile service.

Every change goes through profiles/service.py, so the rules (R-P1–R-P4, R-D1,
R-D3, R-D4) hold exactly as for an administrator; this module only translates
a desired state into those calls and answers the list queries SCIM needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from phonedesk.models import Profile
from phonedesk.profiles import provisioning, rules
from phonedesk.profiles import service as profiles
from phonedesk.scim.filters import Criteria
from phonedesk.scim.mapping import ProfileState
from phonedesk.scope import Scope


@dataclass(frozen=True)
class UserQuery:
    criteria: Criteria
    start_index: int = 1  # 1-based, as SCIM counts
    count: int = 100


def list_users(scope: Scope, query: UserQuery) -> tuple[list[Profile], int]:
    """A page of live profiles (disabled ones included) in a stable order, and the total."""
    stmt = select(Profile).where(
        Profile.account_id == scope.account_id, Profile.is_live
    )
    for username in query.criteria.usernames:
        stmt = stmt.where(Profile.username_key == rules.username_key(username))
    for external_id in query.criteria.external_ids:
        stmt = stmt.where(Profile.external_id == external_id)
    for email in query.criteria.emails:
        stmt = stmt.where(func.lower(Profile.email) == email.strip().lower())
    total = scope.db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if query.count <= 0:
        return [], total
    rows = scope.db.scalars(
        stmt.order_by(Profile.id).offset(query.start_index - 1).limit(query.count)
    )
    return list(rows), total


def create_user(scope: Scope, state: ProfileState) -> Profile:
    """Create the profile; ``active: false`` disables it at once (R-D1)."""
    profile = profiles.create_profile(
        scope,
        first_name=state.first_name,
        last_name=state.last_name,
        email=state.email,
        username=state.username,
        custom_field_1=state.custom_fields["custom_field_1"],
        custom_field_2=state.custom_fields["custom_field_2"],
        custom_field_3=state.custom_fields["custom_field_3"],
        external_id=provisioning.clean_external_id(state.external_id),
    )
    if state.active is False:
        profiles.disable_profile(scope, profile.public_id)
    return profile


def apply_user(
    scope: Scope, public_id: str, state: ProfileState, *, expected_version: int | None
) -> Profile:
    """Make the profile hold ``state`` (PUT, and PATCH after its operations are applied).

    ``If-Match`` is checked by the first call, before anything changes.
    """
    profiles.update_profile(scope, public_id, state.changes(), expected_version=expected_version)
    provisioning.set_external_id(scope, public_id, state.external_id)
    profile = profiles.get_profile(scope, public_id)
    if state.active is False and profile.is_active:
        profile = profiles.disable_profile(scope, public_id)
    elif state.active is True and not profile.is_active:
        profile = profiles.enable_profile(scope, public_id)
    return profile
