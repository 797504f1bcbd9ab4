"""Random secrets and their stored form.

Links and tokens carry at least 128 random bits (R-V3); only a SHA-256 digest is
stored, so a database leak reveals no usable secret. A slow hash is unnecessary
for secrets of this entropy and would make every API request pay for it.
"""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str = "") -> str:
    """A URL-safe secret with 256 random bits."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
