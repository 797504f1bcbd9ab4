"""REST endpoints of the switch: ``/settings/sip`` (R-SW1)."""

from __future__ import annotations

from fastapi import APIRouter

from phonedesk.api.deps import ReadScope, WriteScope
from phonedesk.models import SipDomain
from phonedesk.scope import Scope
from phonedesk.switch import domains
from phonedesk.switch.schemas import SipSettingsIn, SipSettingsOut

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
