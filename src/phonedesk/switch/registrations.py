"""Who is registered on an extension, as Kamailio says it (R-SW7: the admin sees it).

Registrations live in Kamailio's memory, never in PhoneDesk, so they are read
over its JSON-RPC (``ul.lookup`` per address) each time a page or the API asks.
The read has a short timeout of its own (``PHONEDESK_SWITCH_STATUS_TIMEOUT_SECONDS``)
so a stopped or hung Kamailio costs a page at most that long, once: a page of
extensions stops asking after the first failure, and says in words that the
switch cannot be reached instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from phonedesk.config import Settings
from phonedesk.models.base import utcnow
from phonedesk.models.switch import DEVICE
from phonedesk.outbox.smtp import DeliveryError
from phonedesk.switch.rpc import KamailioRpc, RpcFault, contacts_of, kind_of

OK = "ok"
UNREACHABLE = "unreachable"
NOT_CONFIGURED = "not_configured"
_SAID = {
    OK: "",
    UNREACHABLE: "The switch is unreachable, so registrations cannot be shown right now.",
    NOT_CONFIGURED: "No switch is configured, so there are no registrations to show.",
}


@dataclass(frozen=True)
class Registration:
    """One registered phone: which credential made it and where it is."""

    kind: str  # device (the desk phone) or softphone
    contact: str
    user_agent: str
    expires_in: int  # seconds
    expires_at: datetime

    @property
    def label(self) -> str:
        return "Desk phone" if self.kind == DEVICE else "Softphone"


@dataclass(frozen=True)
class Status:
    """What the switch said about one extension; ``state`` is ok, unreachable or not_configured."""

    state: str
    registrations: list[Registration] = field(default_factory=list)

    @property
    def message(self) -> str:
        return _SAID[self.state]

    @property
    def desk_phone(self) -> bool:
        return any(r.kind == DEVICE for r in self.registrations)

    @property
    def softphones(self) -> int:
        return sum(1 for r in self.registrations if r.kind != DEVICE)


def _registration(contact: dict[str, Any], now: datetime) -> Registration:
    try:
        seconds = max(int(contact.get("Expires") or 0), 0)
    except (TypeError, ValueError):  # "permanent" and the like
        seconds = 0
    return Registration(kind=kind_of(contact), contact=str(contact.get("Address") or ""),
                        user_agent=str(contact.get("User-Agent") or ""),
                        expires_in=seconds, expires_at=now + timedelta(seconds=seconds))


class Reader:
    """Reads registrations for one page or API call; gives up after the first failure."""

    def __init__(self, settings: Settings) -> None:
        url = (settings.switch_rpc_url or "").strip()
        self._rpc = KamailioRpc(url, settings.switch_status_timeout_seconds) if url else None
        self._down = False

    def status(self, number: str, domain: str) -> Status:
        if self._rpc is None:
            return Status(NOT_CONFIGURED)
        if self._down:
            return Status(UNREACHABLE)
        try:
            found = contacts_of(self._rpc, f"{number}@{domain}")
        except (DeliveryError, RpcFault):
            self._down = True
            return Status(UNREACHABLE)
        now = utcnow()
        rows = sorted((_registration(c, now) for c in found),
                      key=lambda r: (r.kind != DEVICE, r.contact))
        return Status(OK, rows)

    def many(self, numbers: Iterable[str], domain: str) -> dict[str, Status]:
        return {number: self.status(number, domain) for number in numbers}


def of_extension(settings: Settings, number: str, domain: str) -> Status:
    return Reader(settings).status(number, domain)
