"""API shapes of voicemail and fax messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from phonedesk.messages.service import MessageView


class MessageOut(BaseModel):
    id: str
    kind: str
    extension: str
    caller_number: str
    received_at: datetime
    content_type: str
    size_bytes: int
    download_url: str | None = None

    @classmethod
    def build(cls, view: MessageView, *, portal: bool = False) -> MessageOut:
        m = view.message
        return cls(
            id=m.public_id,
            kind=m.kind,
            extension=view.extension_number,
            caller_number=m.caller_number,
            received_at=m.received_at,
            content_type=m.content_type,
            size_bytes=m.size_bytes,
            download_url=f"/api/v1/portal/messages/{m.public_id}/file" if portal else None,
        )


class MessageList(BaseModel):
    items: list[MessageOut]
