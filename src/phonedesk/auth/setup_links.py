"""Issuing password setup links (R-V1, R-V3).

Issuing a link voids every older unused link of the profile, so only the newest
email works. Consuming links is the sign-in module's business.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from phonedesk.auth.secrets import digest, new_secret
from phonedesk.models import Profile, SetupLink
from phonedesk.models.base import utcnow
from phonedesk.scope import Scope

SETUP_PATH = "/password/setup/"


def setup_url(base_url: str, token: str) -> str:
    """Built from the configured base URL, never from a request's Host header."""
    return base_url.rstrip("/") + SETUP_PATH + token


def void_links(scope: Scope, profile: Profile) -> None:
    """Void every unused link of a profile (a newer link, disable, archive)."""
    scope.db.execute(
        update(SetupLink)
        .where(
            SetupLink.profile_id == profile.id,
            SetupLink.used_at.is_(None),
            SetupLink.voided_at.is_(None),
        )
        .values(voided_at=utcnow())
    )


def issue_link(scope: Scope, profile: Profile) -> str:
    """Create a new single-use link for ``profile`` and return its URL."""
    void_links(scope, profile)
    token = new_secret()
    now = utcnow()
    scope.db.add(
        SetupLink(
            account_id=scope.account_id,
            profile_id=profile.id,
            token_hash=digest(token),
            created_at=now,
            expires_at=now + timedelta(hours=scope.settings.setup_link_ttl_hours),
        )
    )
    return setup_url(scope.settings.base_url, token)


def email_context(scope: Scope, profile: Profile) -> dict[str, Any]:
    """Issue a link and return what every email carrying it says (R-V1, R-AD1)."""
    return {
        "first_name": profile.first_name,
        "username": profile.username,
        "setup_url": issue_link(scope, profile),
        "link_ttl_hours": scope.settings.setup_link_ttl_hours,
    }
