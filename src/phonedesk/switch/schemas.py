"""API shapes of the switch: the SIP settings, a credential shown once, registrations."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from phonedesk.switch.credentials import IssuedCredential
from phonedesk.switch.registrations import OK, Status


class SipSettingsOut(BaseModel):
    domain: str = Field(description="The account's SIP domain: extension 201 is 201@domain")
    realm: str = Field(description="The digest realm of the account's SIP passwords; it never "
                       "changes, so renaming the domain keeps every password")
    proxy: str = Field(description="Where phones send SIP (their outbound proxy)")


class SipSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domain: str = Field(max_length=1000, description="A host name such as acme.example.com")


class SipCredentialOut(BaseModel):
    """Shown once: the password is stored only as digests and cannot be read again."""

    username: str
    domain: str
    password: str
    proxy: str
    realm: str

    @classmethod
    def build(cls, issued: IssuedCredential) -> SipCredentialOut:
        return cls(username=issued.username, domain=issued.domain, password=issued.password,
                   proxy=issued.proxy, realm=issued.realm)


class RegistrationOut(BaseModel):
    kind: str = Field(description="device (the desk phone) or softphone (the mobile app)")
    contact: str = Field(description="Where the phone is reached (its Contact address)")
    user_agent: str
    expires_in: int = Field(description="Seconds until the registration expires")
    expires_at: datetime


class RegistrationsOut(BaseModel):
    """Read from Kamailio at the time of the request; never stored by PhoneDesk."""

    extension: str
    switch: str = Field(description="ok; unreachable (Kamailio did not answer in time: the "
                        "registrations are unknown, not absent); not_configured")
    message: str = Field(description="The switch state in words, empty when ok")
    desk_phone_registered: bool | None
    softphones_registered: int | None
    registrations: list[RegistrationOut]

    @classmethod
    def build(cls, number: str, status: Status) -> RegistrationsOut:
        known = status.state == OK
        return cls(
            extension=number, switch=status.state, message=status.message,
            desk_phone_registered=status.desk_phone if known else None,
            softphones_registered=status.softphones if known else None,
            registrations=[RegistrationOut(kind=r.kind, contact=r.contact,
                                           user_agent=r.user_agent, expires_in=r.expires_in,
                                           expires_at=r.expires_at)
                           for r in status.registrations],
        )
