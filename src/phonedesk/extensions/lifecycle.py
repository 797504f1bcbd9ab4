"""An extension's life as the switch sees it: created with a desk phone credential,
its SIP password reset, deleted without losing a stored message (R-E1, R-SW2, R-M1).

Every interface (REST, CLI, pages) creates and deletes extensions through here,
so an extension never exists without a way for its desk phone to register, and
its password is shown once to whoever created it.

Deleting is refused while the extension holds a voicemail or fax that nobody has
deleted: a message belongs to the extension (R-M1), and the people who may read
it are the ones to decide it can go. Once every message is deleted, the
extension goes with its credentials (its registrations are ended after commit)
and the marks of the deleted messages; the audit log keeps its whole history.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from phonedesk.audit import service as audit
from phonedesk.errors import Conflict
from phonedesk.extensions import service
from phonedesk.models import Extension, Message
from phonedesk.models.message import FAX
from phonedesk.scope import Scope
from phonedesk.switch import credentials
from phonedesk.switch.credentials import IssuedCredential


@dataclass(frozen=True)
class NewExtension:
    extension: Extension
    sip: IssuedCredential  # the desk phone's password, shown this once


def create_extension(scope: Scope, *, number: str, virtual_office_enabled: bool = True,
                     profile_id: str | None = None) -> NewExtension:
    """A new extension (held by the PA until assigned) with its device credential."""
    extension = service.create_extension(scope, number=number,
                                         virtual_office_enabled=virtual_office_enabled,
                                         profile_id=profile_id)
    return NewExtension(extension=extension, sip=credentials.issue_device(scope, extension))


def reset_sip_password(scope: Scope, number: str) -> IssuedCredential:
    """A new desk phone password; the old one is refused from the next SIP request on."""
    return credentials.issue_device(scope, service.get_extension(scope, number))


def _live_messages(scope: Scope, extension: Extension) -> tuple[int, int]:
    rows = scope.db.execute(
        select(Message.kind, func.count())
        .where(Message.extension_id == extension.id, Message.deleted_at.is_(None))
        .group_by(Message.kind)
    ).all()
    counts = {kind: n for kind, n in rows}
    faxes = counts.pop(FAX, 0)
    return sum(counts.values()), faxes


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 'es' if word.endswith('x') else 's'}"


def delete_extension(scope: Scope, number: str) -> None:
    """Delete an extension that holds no undeleted message (see the module docstring)."""
    extension = service.get_extension(scope, number)
    voicemails, faxes = _live_messages(scope, extension)
    if voicemails or faxes:
        held = " and ".join(_plural(n, w) for n, w in ((voicemails, "voicemail"), (faxes, "fax"))
                            if n)
        raise Conflict(
            f"Extension {number} still holds {held}. Messages are never deleted with an "
            "extension: whoever reads them (its user, or the primary administrator for an "
            "extension it holds) deletes them in Virtual Office first.",
            code="extension_has_messages",
        )
    if extension.profile_id is not None:
        service.remove_profile(scope, number)  # R-D2 first, as if removed by hand
        scope.db.refresh(extension)
    before = service.snapshot(scope, extension)
    credentials.remove_all(scope, extension)
    scope.db.execute(
        delete(Message)
        .where(Message.extension_id == extension.id, Message.deleted_at.is_not(None))
        .execution_options(synchronize_session=False)
    )
    scope.db.delete(extension)
    scope.db.flush()
    audit.record(
        scope,
        "extension.deleted",
        target_type="extension",
        target_id=number,
        target_label=f"Extension {number}",
        before=before,
    )
