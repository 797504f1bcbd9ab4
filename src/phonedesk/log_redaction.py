"""No secret in a log line (DESIGN §3 "Secrets"): token-bearing paths are redacted.

An emailed setup link is requested once with its token in the path (it is then
traded for a cookie, :mod:`phonedesk.auth.setup_cookie`); the server's access
log would record that path. This filter, put on the access and error loggers
while an app serves, rewrites ``/password/setup/<token>`` to
``/password/setup/[redacted]`` in every record's message and arguments; the same for the
mobile app's one-time provisioning link (``/provisioning/linphone/<token>.xml``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

# The emailed setup link and the mobile app's one-time provisioning link.
_TOKEN_PATH = re.compile(r"(/password/setup/|/provisioning/linphone/)[^\s/?#\"']+")
REDACTED = r"\1[redacted]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "phonedesk", "phonedesk.errors")


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(REDACTED, text)


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        return True


@asynccontextmanager
async def redacting_logs(app: FastAPI) -> AsyncIterator[None]:
    """While the app serves, the server's loggers redact token-bearing paths."""
    chosen = RedactSecrets()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    for logger in loggers:
        logger.addFilter(chosen)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(chosen)
