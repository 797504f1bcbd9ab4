"""API shapes of extensions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from phonedesk.extensions.queries import Held
from phonedesk.models.extension import POPULATED_FIELDS
from phonedesk.switch.schemas import SipCredentialOut

Source = Literal["profile", "edited"]


class ExtensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(max_length=40, description="2 to 10 digits")
    virtual_office_enabled: bool = True
    profile_id: str | None = Field(default=None, max_length=40)


class ExtensionUpdate(BaseModel):
    """The Edit Extension change: assign a profile, Enable Virtual Office, edit this extension.

    A value for a caller ID or notification field edits this extension only; ``null`` makes
    it follow the profile again. ``profile_id`` assigns that profile (and emails it, R-V1):
    Virtual Office is set first, since it decides which email goes out, then the
    assignment, then the edits. ``null`` for ``profile_id`` or ``virtual_office_enabled``
    leaves them as they are; ``DELETE /extensions/{number}/profile`` removes the profile.
    """

    model_config = ConfigDict(extra="forbid")

    profile_id: str | None = Field(default=None, max_length=40,
                                   description="Assign this profile (its Internal ID)")

    caller_id_first_name: str | None = Field(default=None, max_length=1000)
    caller_id_last_name: str | None = Field(default=None, max_length=1000)
    voicemail_email: str | None = Field(default=None, max_length=1000)
    fax_email: str | None = Field(default=None, max_length=1000)
    virtual_office_enabled: bool | None = None


class AssignProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_id: str = Field(max_length=40)


class HolderOut(BaseModel):
    id: str
    first_name: str
    last_name: str
    username: str


class ExtensionOut(BaseModel):
    number: str
    profile_id: str | None = Field(description="The assigned profile; null when held by the PA")
    held_by_primary_administrator: bool
    holder: HolderOut = Field(description="The assigned profile, or the primary administrator")
    caller_id_first_name: str
    caller_id_last_name: str
    voicemail_email: str
    fax_email: str
    sources: dict[str, Source] = Field(
        description="For each populated field: filled from the holder's profile, or edited here"
    )
    virtual_office_enabled: bool
    version: int
    updated_at: datetime

    @classmethod
    def build(cls, held: Held) -> ExtensionOut:
        extension, assigned, holder = held.extension, held.assigned, held.holder
        return cls(
            number=extension.number,
            profile_id=assigned.public_id if assigned else None,
            held_by_primary_administrator=assigned is None,
            holder=HolderOut(id=holder.public_id, first_name=holder.first_name,
                             last_name=holder.last_name, username=holder.username),
            caller_id_first_name=extension.caller_id_first_name,
            caller_id_last_name=extension.caller_id_last_name,
            voicemail_email=extension.voicemail_email,
            fax_email=extension.fax_email,
            sources={
                f: ("edited" if getattr(extension, f"{f}_edited") else "profile")
                for f in POPULATED_FIELDS
            },
            virtual_office_enabled=extension.virtual_office_enabled,
            version=extension.version,
            updated_at=extension.updated_at,
        )


class ExtensionCreated(ExtensionOut):
    """A new extension, with its desk phone's SIP credential: shown this once (R-SW2)."""

    sip: SipCredentialOut
