"""Random secrets and their stored form.

Links and tokens carry at least 128 random bits (R-V3); only a SHA-256 digest is
stored, so a database leak reveals no usable secret. A slow hash is unnecessary
for secrets of this entropy and would make every API request pay for it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_secret(prefix: str = "") -> str:
    """A URL-safe secret with 256 random bits."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def derived_secret(secret_key: str, purpose: str, nonce: str) -> str:
    """A secret computed from a stored nonce and the installation's key (256 bits, URL-safe).

    What is stored (the nonce) is useless without ``PHONEDESK_SECRET_KEY``, so an
    email can be written to the outbox with the nonce and get its secret only when
    it is sent.
    """
    mac = hmac.new(secret_key.encode("utf-8"), f"{purpose}\0{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")
