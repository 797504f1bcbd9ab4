"""What a database change cannot do by itself on a running Kamailio (R-SW7).

Credentials, caller ID and domains are read by Kamailio on every request, so a
change to them needs nothing more, except in two cases: a registration made
with a password that no longer exists lives on in Kamailio's memory until it is
removed, and Kamailio caches the list of domains. Those actions are written to
the outbox in the same transaction as the change (so a rolled-back change sends
nothing and a committed one is never lost), and the outbox worker delivers them
over Kamailio's JSON-RPC with the same retries and backoff as email.

The row holds the action as PhoneDesk means it (``end_registrations`` of an
address for a kind of credential), not as RPC calls: ``switch.rpc`` translates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from phonedesk.models import OutboxMessage
from phonedesk.models.outbox import SWITCH
from phonedesk.outbox.service import new_message_id
from phonedesk.scope import Scope

END_REGISTRATIONS = "end_registrations"
RELOAD_DOMAINS = "reload_domains"
ACTIONS = (END_REGISTRATIONS, RELOAD_DOMAINS)
TARGET = "switch"  # the outbox row's recipient: the Kamailio at PHONEDESK_SWITCH_RPC_URL


def enabled(scope: Scope) -> bool:
    """No switch configured (``PHONEDESK_SWITCH_RPC_URL=``) means nothing to tell it."""
    return bool((scope.settings.switch_rpc_url or "").strip())


def _enqueue(scope: Scope, kind: str, subject: str, action: dict[str, Any]) -> None:
    if not enabled(scope):
        return
    scope.db.add(
        OutboxMessage(
            account_id=scope.account_id,
            channel=SWITCH,
            kind=kind,
            to_address=TARGET,
            subject=subject[:300],
            body_text=json.dumps({"action": kind, **action}, sort_keys=True),
            body_html=None,
            message_id=new_message_id(scope.settings.base_url),
            attachments=None,
        )
    )


def end_registrations(scope: Scope, *, number: str, domain: str, kinds: Sequence[str],
                      why: str) -> None:
    """End the live registrations of ``number@domain`` made with credentials of ``kinds``.

    ``kinds`` are credential kinds (``device``, ``softphone``): Kamailio tags each
    registration with the kind of credential that made it, so a desk phone's reset
    leaves the user's softphone registered and the other way round.
    """
    what = " and ".join("desk phone" if k == "device" else "softphones" for k in kinds)
    _enqueue(
        scope,
        END_REGISTRATIONS,
        f"End the registration of extension {number}'s {what} ({why})",
        {"aor": f"{number}@{domain}", "kinds": sorted(kinds)},
    )


def reload_domains(scope: Scope, *, reason: str) -> None:
    """Kamailio caches its domains: ask it to read them again (R-SW1, R-SW7)."""
    _enqueue(scope, RELOAD_DOMAINS, f"Reload the SIP domains ({reason})", {})
