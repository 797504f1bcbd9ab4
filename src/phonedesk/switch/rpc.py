"""Delivering switch actions to Kamailio over its JSON-RPC (R-SW7): the outbox's
second channel, next to SMTP.

Kamailio answers JSON-RPC 2.0 over HTTP (modules ``xhttp`` + ``jsonrpcs``) on a
loopback port. A refused connection, a timeout or an HTTP 5xx is temporary (the
worker retries with backoff: Kamailio may be restarting); a malformed action is
permanent. "Nothing to end" (no such address, no contact) counts as done.

Ending the registrations of one kind of credential: the switch tags each
registration with the kind of credential that made it (``kamailio.cfg`` sets
branch flag ``SOFTPHONE_FLAG`` for softphones, which usrloc keeps as the
contact's ``CFlags``), so the worker looks the address up and removes only the
matching contacts.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from types import TracebackType
from typing import Any

from phonedesk.config import Settings
from phonedesk.models.switch import DEVICE, SOFTPHONE
from phonedesk.outbox.smtp import DeliveryError, Outgoing
from phonedesk.switch.actions import END_REGISTRATIONS, RELOAD_DOMAINS

LOCATION = "location"  # the usrloc table Kamailio keeps registrations in
SOFTPHONE_FLAG = 1  # branch flag number; as a contact's CFlags bit: 1 << SOFTPHONE_FLAG
_NOTHING_THERE = ("AOR not found", "AOR has no contacts", "Contact not found")


class RpcFault(Exception):
    """Kamailio answered the call with a JSON-RPC error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message

    @property
    def nothing_there(self) -> bool:
        return any(text in self.message for text in _NOTHING_THERE)


class KamailioRpc:
    """A JSON-RPC client for one Kamailio, one HTTP request per call."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout

    def call(self, method: str, *params: Any) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "method": method, "params": list(params),
                           "id": uuid.uuid4().hex}).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            if exc.code >= 500 and not raw.strip().startswith(b"{"):
                raise DeliveryError(f"switch answered HTTP {exc.code}", permanent=False) from exc
        except (urllib.error.URLError, OSError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"switch unreachable at {self.url}: {reason}",
                                permanent=False) from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise DeliveryError("switch sent an answer that is not JSON", permanent=False) from exc
        if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
            error = answer["error"]
            raise RpcFault(int(error.get("code") or 0), str(error.get("message") or ""))
        return answer.get("result") if isinstance(answer, dict) else None


def contacts_of(rpc: KamailioRpc, aor: str) -> list[dict[str, Any]]:
    """The contacts registered on ``aor`` (none when Kamailio knows no such address)."""
    try:
        result = rpc.call("ul.lookup", LOCATION, aor)
    except RpcFault as fault:
        if fault.nothing_there:
            return []
        raise
    contacts: list[dict[str, Any]] = []
    for entry in (result if isinstance(result, dict) else {}).get("Contacts") or []:
        contact = entry.get("Contact") if isinstance(entry, dict) else None
        if isinstance(contact, dict):
            contacts.append(contact)
    return contacts


def kind_of(contact: dict[str, Any]) -> str:
    """Which kind of credential registered this contact (from its CFlags tag)."""
    flags = int(contact.get("CFlags") or 0)
    return SOFTPHONE if flags & (1 << SOFTPHONE_FLAG) else DEVICE


def end_registrations(rpc: KamailioRpc, aor: str, kinds: list[str]) -> int:
    """Remove the contacts of ``aor`` registered with credentials of ``kinds``."""
    ended = 0
    for contact in contacts_of(rpc, aor):
        if kind_of(contact) not in kinds:
            continue
        try:
            rpc.call("ul.rm_contact", LOCATION, aor, str(contact.get("Address", "")))
        except RpcFault as fault:
            if not fault.nothing_there:
                raise
        ended += 1
    return ended


def perform(rpc: KamailioRpc, action: dict[str, Any]) -> None:
    """Carry out one outbox action; a malformed one is a permanent failure."""
    kind = action.get("action")
    try:
        if kind == END_REGISTRATIONS:
            aor, kinds = action["aor"], action["kinds"]
            if not isinstance(aor, str) or not isinstance(kinds, list):
                raise TypeError("aor must be text and kinds a list")
            end_registrations(rpc, aor, [str(k) for k in kinds])
        elif kind == RELOAD_DOMAINS:
            rpc.call("domain.reload")
        else:
            raise DeliveryError(f"unknown switch action {kind!r}", permanent=True)
    except RpcFault as fault:
        raise DeliveryError(f"switch refused {kind}: {fault}", permanent=False) from fault
    except (KeyError, TypeError) as exc:
        raise DeliveryError(f"malformed switch action: {exc}", permanent=True) from exc


class SwitchTransport:
    """The outbox channel that delivers switch actions (one per worker batch)."""

    def __init__(self, settings: Settings) -> None:
        url = (settings.switch_rpc_url or "").strip()
        if not url:
            raise DeliveryError("no switch is configured (PHONEDESK_SWITCH_RPC_URL is empty)",
                                permanent=False)
        self.rpc = KamailioRpc(url, settings.switch_rpc_timeout_seconds)

    def __enter__(self) -> SwitchTransport:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def deliver(self, item: Outgoing) -> None:
        try:
            action = json.loads(item.body_text)
        except ValueError as exc:
            raise DeliveryError("the switch action is not JSON", permanent=True) from exc
        if not isinstance(action, dict):
            raise DeliveryError("the switch action is not a JSON object", permanent=True)
        perform(self.rpc, action)
