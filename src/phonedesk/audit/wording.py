"""Words the audit sentences share: action names, field labels, how values read (R-AU1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PLACES = {"admin": "the Account Manager", "portal": "Virtual Office"}

ACTION_NAMES = {
    "profile.created": "Profile created",
    "profile.updated": "Profile changed",
    "profile.disabled": "Profile disabled",
    "profile.enabled": "Profile enabled",
    "profile.deleted": "Profile deleted",
    "profile.setup_link_sent": "Setup link sent",
    "profile.password_set": "Password created",
    "profile.role_changed": "Admin role changed",
    "profile.external_id_changed": "Identity-provider ID changed",
    "account.primary_admin_transferred": "Primary administrator changed",
    "account.created": "Account created",
    "auth.signed_in": "Signed in",
    "auth.signed_out": "Signed out",
    "auth.sign_in_failed": "Wrong password",
    "auth.sign_in_locked": "Username locked",
    "auth.sign_in_refused": "Sign-in refused",
    "auth.password_reset_requested": "Forgot password",
    "extension.created": "Extension created",
    "extension.updated": "Extension changed",
    "extension.assigned": "Extension assigned",
    "extension.unassigned": "Profile removed from extension",
    "extension.deleted": "Extension deleted",
    "extension.sip_password_created": "SIP password made",
    "extension.sip_password_reset": "SIP password reset",
    "extension.softphone_created": "Mobile app set up",
    "extension.softphone_replaced": "Mobile app set up again",
    "extension.softphone_revoked": "Mobile app access ended",
    "message.voicemail_received": "Voicemail received",
    "message.fax_received": "Fax received",
    "message.deleted": "Message deleted",
    "import.applied": "CSV import",
    "settings.sip_domain_changed": "SIP domain changed",
    "settings.profile_fields_updated": "Profile fields changed",
    "settings.account_updated": "Account settings changed",
    "token.created": "Token created",
    "token.revoked": "Token revoked",
    "email.retried": "Email retried",
    "switch.action_retried": "Switch action retried",
}

_FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "email address",
    "username": "username",
    "caller_id_first_name": "caller ID first name",
    "caller_id_last_name": "caller ID last name",
    "voicemail_email": "voicemail email",
    "fax_email": "fax email",
    "virtual_office_enabled": "Virtual Office",
    "sip_domain": "SIP domain",
    "name": "account name",
    "time_zone": "time zone",
    "external_id": "identity-provider ID",
    "internal_id": "internal ID",
    "extensions": "extensions",
    "status": "status",
    "role": "role",
}


def action_name(action: str) -> str:
    """The human name of an action code; an unknown code still reads as words."""
    if action in ACTION_NAMES:
        return ACTION_NAMES[action]
    words = action.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def field_label(key: str, custom_labels: Mapping[str, str]) -> str:
    """A field's name in a sentence: custom fields by the account's label for them."""
    if key.startswith("custom_field_"):
        number = key.removeprefix("custom_field_").removesuffix("_label")
        label = custom_labels.get(f"custom_field_{number}")
        if key.endswith("_label"):
            return f"name of custom field {number}"
        return f"“{label}”" if label else f"custom field {number}"
    return _FIELDS.get(key, key.replace("_", " "))


def quoted(value: Any) -> str:
    """A value as a sentence shows it: quoted text, on/off, lists in words, “(empty)”."""
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, list):
        return and_list([str(v) for v in value])
    if isinstance(value, dict):
        return and_list([f"{field_label(str(k), {})} {quoted(v)}" for k, v in value.items()])
    return f"“{value}”"


def and_list(items: list[Any]) -> str:
    """``201``, ``201 and 202``, ``201, 202 and 203``."""
    words = [str(i) for i in items]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
