"""API shapes of the switch: the SIP settings and a desk phone's credential."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from phonedesk.switch.credentials import IssuedCredential


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
