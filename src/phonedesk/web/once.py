"""A form that creates something is acted on once, however often it is posted.

The page's script already sends a form once per click; this is the server's
side of it, for the posts where a repeat would do harm (a second profile or
extension request answering "already taken" while the first succeeded and its
answer, a one-time SIP password among them, is lost). The form carries a random
``form_key`` (the ``once()`` macro); the first post claims it, a later post with the
same key is sent where the first one's answer went.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from phonedesk.models import FormSubmission
from phonedesk.models.base import utcnow
from phonedesk.scope import Scope

KEEP = timedelta(days=1)
KEY_MAX = 64


def claim(scope: Scope, key: str) -> FormSubmission | None:
    """Claim ``key`` for this post; an earlier post's finished submission if it had it.

    A post without a key (an old page, a script) is not guarded. On PostgreSQL a
    repeat that arrives while the first post runs waits on the unique key until
    the first commits, then finds its answer.
    """
    key = key.strip()[:KEY_MAX]
    if not key:
        return None
    db = scope.db
    db.execute(delete(FormSubmission).where(FormSubmission.created_at < utcnow() - KEEP))
    try:
        with db.begin_nested():
            db.add(FormSubmission(key=key, account_id=scope.account_id))
    except IntegrityError:
        earlier = db.scalar(select(FormSubmission).where(FormSubmission.key == key))
        if earlier is not None and earlier.account_id == scope.account_id and earlier.location:
            return earlier
    return None


def finish(scope: Scope, key: str, location: str, notice: str | None) -> None:
    """Record where the first post of ``key`` sent the browser."""
    key = key.strip()[:KEY_MAX]
    if not key:
        return
    row = scope.db.scalar(select(FormSubmission).where(FormSubmission.key == key))
    if row is not None and row.account_id == scope.account_id:
        row.location, row.notice = location[:500], (notice or "")[:500] or None
        scope.db.flush()
