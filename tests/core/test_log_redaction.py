"""No secret in a log line (DESIGN §3 "Secrets"): token-bearing paths are redacted."""

from __future__ import annotations

import pytest

from phonedesk.log_redaction import redact


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('"GET /password/setup/AbC-12_x HTTP/1.1" 303',
         '"GET /password/setup/[redacted] HTTP/1.1" 303'),
        ('"GET /provisioning/linphone/Zz9-_q.xml HTTP/1.1" 200',
         '"GET /provisioning/linphone/[redacted] HTTP/1.1" 200'),
        ("/password/setup/tok?next=/x", "/password/setup/[redacted]?next=/x"),
        ('"GET /api/v1/profiles HTTP/1.1" 200', '"GET /api/v1/profiles HTTP/1.1" 200'),
    ],
)
def test_token_bearing_paths_are_redacted(line: str, expected: str) -> None:
    assert redact(line) == expected
