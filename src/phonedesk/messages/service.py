"""Voicemail and fax rules (R-M1): deposit, notify, list, open, delete.

Messages belong to extensions. Who may see them is decided here, once: the
profile an extension is assigned to, and the primary administrator for the
extensions it holds (those with no profile). Disabling, removing or reassigning
a profile never touches a message (R-D1, R-D2): the next holder sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import ColumnElement, and_, select

from phonedesk.audit import service as audit
from phonedesk.errors import NotFound, ValidationFailed
from phonedesk.extensions import population
from phonedesk.extensions import service as extensions
from phonedesk.messages import storage
from phonedesk.models import Extension, Message, Profile
from phonedesk.models.base import new_public_id, utcnow
from phonedesk.models.message import FAX, VOICEMAIL
from phonedesk.outbox import service as outbox
from phonedesk.scope import Scope
from phonedesk.text import refuse_control_characters

_CALLER_MAX = 40


@dataclass(frozen=True)
class MessageView:
    """A message with the extension number it belongs to."""

    message: Message
    extension_number: str


@dataclass(frozen=True)
class MessageFile:
    """What a download needs: where the bytes are and what to call them."""

    path: Path
    content_type: str
    download_name: str


def clean_caller_number(value: str | None) -> str:
    """What the PBX says called: at most 40 characters, no control characters (R-P1).

    It goes into the notification's subject line, where a line separator would
    break the email header.
    """
    text = (value or "").strip()
    if len(text) > _CALLER_MAX:
        raise ValidationFailed(
            f"The caller number is at most {_CALLER_MAX} characters without control characters.",
            code="invalid_caller_number",
            field="caller_number",
        )
    return refuse_control_characters(text, label="The caller number", field="caller_number")


def _clean_time(value: datetime | None) -> datetime:
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def download_name(message: Message, extension_number: str) -> str:
    stamp = message.received_at.strftime("%Y%m%d-%H%M%S")
    suffix = message.storage_name.rsplit(".", 1)[-1]
    return f"{message.kind}-{extension_number}-{stamp}.{suffix}"


def deposit(
    scope: Scope,
    *,
    number: str,
    data: bytes,
    caller_number: str | None = None,
    received_at: datetime | None = None,
) -> Message:
    """Store a voicemail or fax for an extension and queue its notification email.

    The kind follows from the file's bytes (audio → voicemail, PDF → fax). The
    email goes to the extension's *current* notification address, so after a
    disable it reaches the primary administrator (R-D1).
    """
    extension = extensions.get_extension(scope, number)
    caller = clean_caller_number(caller_number)
    when = _clean_time(received_at)
    file_type = storage.check(data, scope.settings.message_max_bytes)
    name = storage.new_storage_name(scope.account_id, file_type)
    digest = storage.write(scope.settings.message_dir, name, data)
    message = Message(
        public_id=new_public_id("m"),
        account_id=scope.account_id,
        extension_id=extension.id,
        kind=file_type.kind,
        caller_number=caller,
        received_at=when,
        content_type=file_type.content_type,
        size_bytes=len(data),
        storage_name=name,
        sha256=digest,
    )
    scope.db.add(message)
    scope.db.flush()
    _notify(scope, extension, message)
    audit.record(
        scope,
        f"message.{message.kind}_received",
        target_type="extension",
        target_id=extension.number,
        target_label=f"Extension {extension.number}",
        detail={
            "message": message.public_id,
            "caller_number": caller,
            "size_bytes": message.size_bytes,
        },
    )
    return message


def _notify(scope: Scope, extension: Extension, message: Message) -> None:
    to = extension.fax_email if message.kind == FAX else extension.voicemail_email
    if not to:
        return
    name = download_name(message, extension.number)
    outbox.enqueue(
        scope,
        kind=message.kind,
        to=to,
        template=message.kind,
        context={
            "extension_number": extension.number,
            "caller_number": message.caller_number or "an unknown number",
            "received_at": message.received_at.strftime("%Y-%m-%d %H:%M UTC"),
            "size_kb": max(1, message.size_bytes // 1024),
            "file_name": name,
            "portal_url": scope.settings.base_url.rstrip("/") + "/portal",
        },
        attachments=[
            {
                "message": message.public_id,
                "storage_name": message.storage_name,
                "filename": name,
                "content_type": message.content_type,
            }
        ],
    )


def _visible_to(scope: Scope, profile: Profile) -> ColumnElement[bool]:
    """Extensions whose messages ``profile`` may see in the portal."""
    return and_(Extension.account_id == scope.account_id,
                population.held_by(scope.account, profile))


def list_for_portal_user(
    scope: Scope, profile: Profile, *, kind: str | None = None
) -> list[MessageView]:
    """The messages of the profile's extensions (and, for the PA, of held ones), newest first."""
    if kind not in (None, VOICEMAIL, FAX):
        raise ValidationFailed("Kind must be voicemail or fax.", field="kind")
    stmt = (
        select(Message, Extension.number)
        .join(Extension, Extension.id == Message.extension_id)
        .where(
            Message.account_id == scope.account_id,
            Message.deleted_at.is_(None),
            _visible_to(scope, profile),
        )
    )
    if kind is not None:
        stmt = stmt.where(Message.kind == kind)
    rows = scope.db.execute(stmt.order_by(Message.received_at.desc(), Message.id.desc()))
    return [MessageView(message=m, extension_number=n) for m, n in rows]


def get_for_portal_user(scope: Scope, profile: Profile, public_id: str) -> MessageView:
    """One visible message, or NotFound (also for another user's message: no leak)."""
    row = scope.db.execute(
        select(Message, Extension.number)
        .join(Extension, Extension.id == Message.extension_id)
        .where(
            Message.public_id == public_id,
            Message.account_id == scope.account_id,
            Message.deleted_at.is_(None),
            _visible_to(scope, profile),
        )
    ).first()
    if row is None:
        raise NotFound("No such message.", code="message_not_found")
    return MessageView(message=row[0], extension_number=row[1])


def open_file(scope: Scope, view: MessageView) -> MessageFile:
    """Where a visible message's bytes are, for a download or a player."""
    path = storage.resolve(scope.settings.message_dir, view.message.storage_name)
    if not path.is_file():
        raise NotFound("The file of this message is no longer stored.", code="file_missing")
    return MessageFile(
        path=path,
        content_type=view.message.content_type,
        download_name=download_name(view.message, view.extension_number),
    )


def delete(scope: Scope, profile: Profile, public_id: str) -> str:
    """Delete a visible message; returns the storage name whose file the caller removes.

    The row is kept (marked deleted) for the audit trail; the file is removed by
    the interface after the transaction commits, so a rollback loses nothing.
    """
    view = get_for_portal_user(scope, profile, public_id)
    view.message.deleted_at = utcnow()
    scope.db.flush()
    audit.record(
        scope,
        "message.deleted",
        target_type="extension",
        target_id=view.extension_number,
        target_label=f"Extension {view.extension_number}",
        detail={"message": view.message.public_id, "kind": view.message.kind},
    )
    return view.message.storage_name


def remove_file(scope: Scope, storage_name: str) -> None:
    """Remove a deleted message's file (call after commit)."""
    storage.remove(scope.settings.message_dir, storage_name)


def list_for_extension(scope: Scope, number: str) -> list[MessageView]:
    """Every live message of one extension, for administrators."""
    extension = extensions.get_extension(scope, number)
    rows = scope.db.scalars(
        select(Message)
        .where(Message.extension_id == extension.id, Message.deleted_at.is_(None))
        .order_by(Message.received_at.desc(), Message.id.desc())
    )
    return [MessageView(message=m, extension_number=extension.number) for m in rows]
