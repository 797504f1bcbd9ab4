"""REST endpoints of the switch: ``/settings/sip`` (R-SW1) and desk phone passwords (R-SW2)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from phonedesk.api.deps import ReadScope, WriteScope
from phonedesk.extensions import lifecycle
from phonedesk.models import SipDomain
from phonedesk.scope import Scope
from phonedesk.switch import domains
from phonedesk.switch.schemas import SipCredentialOut, SipSettingsIn, SipSettingsOut

router = APIRouter(tags=["switch"])


def _settings_out(scope: Scope, row: SipDomain) -> SipSettingsOut:
    return SipSettingsOut(domain=row.domain, realm=row.realm, proxy=scope.settings.switch_proxy)


@router.get("/settings/sip", response_model=SipSettingsOut,
            summary="The account's SIP domain and where phones connect")
def read_sip_settings(scope: ReadScope) -> SipSettingsOut:
    return _settings_out(scope, domains.get(scope))


@router.put("/settings/sip", response_model=SipSettingsOut,
            summary="Change the SIP domain (primary administrator or API token)")
def update_sip_settings(body: SipSettingsIn, scope: WriteScope) -> SipSettingsOut:
    return _settings_out(scope, domains.change_domain(scope, body.domain))


@router.post("/extensions/{number}/sip-password", response_model=SipCredentialOut,
             summary="Reset the desk phone's SIP password (shown once; the old one stops "
             "working and its registration ends)")
def reset_sip_password(number: str, scope: WriteScope, response: Response) -> SipCredentialOut:
    issued = lifecycle.reset_sip_password(scope, number)
    response.headers["Cache-Control"] = "no-store"
    return SipCredentialOut.build(issued)
