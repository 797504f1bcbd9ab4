"""Setup links in stored emails: sealed until sent, gone after (DESIGN §3 "Secrets").

An email that carries a password setup link is written to the outbox with a
marker in place of the link's token: ``[[setup-link:<nonce>]]``. The token is
``derived_secret(SECRET_KEY, "setup-link", nonce)``, so the stored row holds no
usable link. The worker puts the token in just before sending, and records the
sent row with the whole link replaced by a note, so not even the nonce stays.
"""

from __future__ import annotations

import re

from phonedesk.auth.secrets import derived_secret, new_secret

PURPOSE = "setup-link"
_MARKER = re.compile(r"\[\[setup-link:([A-Za-z0-9_-]{16,100})\]\]")
_SEALED_URL = re.compile(r"[^\s\"'<>]*\[\[setup-link:[A-Za-z0-9_-]{16,100}\]\]")
REMOVED = "(the link was removed from this copy after sending)"


def new_nonce() -> str:
    return new_secret()


def marker(nonce: str) -> str:
    """What stands for the token in a stored email."""
    return f"[[setup-link:{nonce}]]"


def token_for(secret_key: str, nonce: str) -> str:
    return derived_secret(secret_key, PURPOSE, nonce)


def is_sealed(text: str | None) -> bool:
    return bool(text) and _MARKER.search(text or "") is not None


def unseal(text: str, secret_key: str) -> str:
    """The email as it is sent: every marker replaced by its token."""
    return _MARKER.sub(lambda m: token_for(secret_key, m.group(1)), text)


def scrub(text: str) -> str:
    """The copy kept after sending: each sealed link replaced by a note."""
    return _SEALED_URL.sub(REMOVED, text)
