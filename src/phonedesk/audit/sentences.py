"""The audit log in sentences about people and extensions (R-AU1).

Pure functions: an event (what :func:`phonedesk.audit.service.record` stored) and
the names it refers to go in, sentences come out. The page reads these; the CSV
export keeps the machine codes. Every action the code records has a phrase here,
and an action without one still reads as words, never as a code or a dict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from phonedesk.audit.wording import (
    ACTION_NAMES,
    PLACES,
    action_name,
    and_list,
    field_label,
    quoted,
)

__all__ = ["ACTION_NAMES", "Event", "Names", "action_name", "describe", "profile_ids"]


class Event(Protocol):
    """What a sentence needs of an audit event (the model, or a test's stand-in)."""

    @property
    def action(self) -> str: ...
    @property
    def actor_label(self) -> str: ...
    @property
    def target_type(self) -> str | None: ...
    @property
    def target_id(self) -> str | None: ...
    @property
    def target_label(self) -> str | None: ...
    @property
    def before(self) -> dict[str, Any] | None: ...
    @property
    def after(self) -> dict[str, Any] | None: ...
    @property
    def detail(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True)
class Names:
    """What the sentences look up: profile names by Internal ID, custom field labels."""

    people: Mapping[str, str] = field(default_factory=dict)
    custom_labels: Mapping[str, str] = field(default_factory=dict)

    def person(self, public_id: Any) -> str:
        if not public_id:
            return "nobody"
        return self.people.get(str(public_id), "a deleted profile")


def profile_ids(event: Event) -> list[str]:
    """The Internal IDs an event's sentences name, to look their names up in one query."""
    found = []
    for side in (event.before or {}, event.after or {}):
        for key in ("profile", "primary_admin"):
            if side.get(key):
                found.append(str(side[key]))
    return found


# --- helpers ------------------------------------------------------------------


def _d(event: Event) -> dict[str, Any]:
    return event.detail or {}


def _who(event: Event) -> str:
    return event.target_label or event.target_id or "someone"


def _poss(name: str) -> str:
    return name + ("'" if name.endswith("s") else "'s")


def _number(event: Event) -> str:
    return event.target_id or "?"


def _import_suffix(event: Event) -> str:
    detail = _d(event)
    if detail.get("source") == "import":
        return f" by the import of {detail.get('file') or 'a CSV file'}"
    return ""


def _changes(event: Event) -> list[tuple[str, Any, Any]]:
    before, after = event.before or {}, event.after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


# --- profiles -----------------------------------------------------------------


def _role(value: Any) -> str:
    return {"primary_administrator": "primary administrator", "administrator": "administrator",
            "read_only_administrator": "read-only administrator"}.get(str(value),
                                                                      "no admin rights")


def _profile_change(name: str, key: str, old: Any, new: Any, names: Names) -> str:
    if key == "role":
        return f"{_poss(name)} role changed from {_role(old)} to {_role(new)}"
    if key == "status":
        return f"{name} was {'disabled' if new == 'disabled' else 'enabled'}"
    label = field_label(key, names.custom_labels)
    return f"{_poss(name)} {label} changed from {quoted(old)} to {quoted(new)}"


def _profile_created(event: Event, names: Names) -> list[str]:
    after = event.after or {}
    email = f" with email {after['email']}" if after.get("email") else ""
    return [f"{_poss(_who(event))} profile was created{email}{_import_suffix(event)}"]


def _profile_updated(event: Event, names: Names) -> list[str]:
    name, suffix = _who(event), _import_suffix(event)
    lines = [_profile_change(name, k, old, new, names) + suffix
             for k, old, new in _changes(event)]
    return lines or [f"{_poss(name)} profile was saved without changes{suffix}"]


def _profile_disabled(event: Event, names: Names) -> list[str]:
    moved = _d(event).get("extensions_moved_to_primary_admin") or []
    line = f"{_poss(_who(event))} profile was disabled"
    if moved:
        word = "extension" if len(moved) == 1 else "extensions"
        line += f"; {word} {and_list(moved)} moved to the primary administrator"
    return [line]


def _role_changed(event: Event, names: Names) -> list[str]:
    old, new = (event.before or {}).get("role"), (event.after or {}).get("role")
    name = _who(event)
    if not new:
        return [f"{_poss(name)} admin rights ({_role(old)}) were removed"]
    if not old:
        return [f"{name} became {_article(_role(new))}"]
    return [f"{_poss(name)} role changed from {_role(old)} to {_role(new)}"]


def _article(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def _primary_transferred(event: Event, names: Names) -> list[str]:
    old = names.person((event.before or {}).get("primary_admin"))
    return [f"{_who(event)} became the primary administrator, taking over from {old}"]


def _external_id(event: Event, names: Names) -> list[str]:
    old, new = (event.before or {}).get("external_id"), (event.after or {}).get("external_id")
    return [f"{_poss(_who(event))} identity-provider ID changed from {quoted(old)} "
            f"to {quoted(new)}"]


# --- sign-in ------------------------------------------------------------------


def _place(event: Event) -> str:
    return PLACES.get(str(_d(event).get("where")), "PhoneDesk")


def _from(event: Event) -> str:
    address = _d(event).get("client_address")
    return f" from {address}" if address else ""


def _refused(event: Event, names: Names) -> list[str]:
    why = {"throttled": "too many attempts, it had to wait",
           "no_access": "the password was right, but the profile may not use it"}
    reason = why.get(str(_d(event).get("reason")), "refused")
    return [f"Sign-in to {_place(event)} as {_who(event)} was refused{_from(event)}: {reason}"]


def _locked(event: Event, names: Names) -> list[str]:
    minutes = _d(event).get("minutes")
    span = f" for {minutes} minutes" if minutes else ""
    return [f"{_poss(_who(event))} username was locked{span} after too many wrong passwords"]


# --- extensions ---------------------------------------------------------------


def _ext_person(event: Event, names: Names) -> str | None:
    name = _d(event).get("profile_name")
    if name:
        return str(name)
    profile = (event.after or {}).get("profile") or (event.before or {}).get("profile")
    return names.person(profile) if profile else None


def _ext_field(event: Event, names: Names, key: str, old: Any, new: Any,
               edited: bool | None) -> str:
    number, person = _number(event), _ext_person(event, names)
    label = field_label(key, names.custom_labels)
    if key == "virtual_office_enabled":
        return f"Virtual Office was turned {'on' if new else 'off'} for {number}"
    whose = f"{_poss(person)} {label} for {number}" if person else f"{_poss(number)} {label}"
    line = f"{whose} changed from {quoted(old)} to {quoted(new)}"
    if edited is True:
        line += " (on this extension only)"
    elif edited is False:
        line += " (follows the profile again)"
    return line


def _ext_updated(event: Event, names: Names) -> list[str]:
    changes = {k: (old, new) for k, old, new in _changes(event)}
    lines: list[str] = []
    for key, (old, new) in changes.items():
        if key.endswith("_edited") or key == "profile":
            continue
        flag = changes.get(f"{key}_edited")
        lines.append(_ext_field(event, names, key, old, new, None if flag is None else flag[1]))
    for key, (_, new) in changes.items():
        base = key.removesuffix("_edited")
        if key.endswith("_edited") and base not in changes:
            label = field_label(base, names.custom_labels)
            how = "is now set on this extension only" if new else "follows the profile again"
            lines.append(f"{_poss(_number(event))} {label} {how}")
    return lines or [f"Extension {_number(event)} was saved without changes"]


_EMAILS = {
    "assigned_setup": "an email with a link to create a password",
    "assigned_existing_password": "an email saying to sign in with the existing password",
    "assigned_no_portal": "an email without password instructions (no Virtual Office)",
}


def _ext_assigned(event: Event, names: Names) -> list[str]:
    person = _ext_person(event, names) or "someone"  # as named then, else as named now
    line = f"Extension {_number(event)} was assigned to {person}{_import_suffix(event)}"
    email = _EMAILS.get(str(_d(event).get("email")))
    return [line + (f"; {person} was sent {email}" if email else "")]


def _ext_unassigned(event: Event, names: Names) -> list[str]:
    person = names.person((event.before or {}).get("profile"))
    return [f"{person} was removed from extension {_number(event)}; the primary "
            "administrator holds it now"]


def _ext_created(event: Event, names: Names) -> list[str]:
    after = event.after or {}
    vo = "on" if after.get("virtual_office_enabled") else "off"
    line = f"Extension {_number(event)} was created (Virtual Office {vo})"
    if after.get("profile"):
        line += f", assigned to {names.person(after['profile'])}"
    return [line]


def _message(event: Event, names: Names) -> list[str]:
    kind = "fax" if "fax" in event.action else "voicemail"
    caller = _d(event).get("caller_number")
    source = f" from {caller}" if caller else ""
    return [f"A {kind}{source} arrived for extension {_number(event)}"]


def _message_deleted(event: Event, names: Names) -> list[str]:
    kind = str(_d(event).get("kind") or "message")
    return [f"A {kind} of extension {_number(event)} was deleted in Virtual Office"]


# --- account, imports, tokens, email ------------------------------------------


def _import_applied(event: Event, names: Names) -> list[str]:
    counts = _d(event).get("counts") or {}
    parts = [f"{counts.get('new', 0)} created", f"{counts.get('changed', 0)} changed"]
    if counts.get("unchanged"):
        parts.append(f"{counts['unchanged']} unchanged")
    name = _d(event).get("filename") or event.target_label or "a CSV file"
    return [f"Import of {name}: {', '.join(parts)}"]


def _settings_changed(event: Event, names: Names) -> list[str]:
    lines = []
    for key, old, new in _changes(event):
        label = field_label(key, names.custom_labels)
        if key == "visible_columns":
            shown = [field_label(str(c), names.custom_labels).strip("“”") for c in new or []]
            lines.append(f"The User Profiles table now shows {and_list(shown)}")
        else:
            lines.append(f"The {label} changed from {quoted(old)} to {quoted(new)}")
    return lines or ["The account settings were saved without changes"]


def _token(event: Event, names: Names) -> list[str]:
    kind = "SCIM" if (event.after or {}).get("kind") == "scim" else "API"
    verb = "revoked" if event.action.endswith("revoked") else "created"
    label = "token" if verb == "revoked" else f"{kind} token"
    return [f"The {label} {quoted(event.target_label)} was {verb}"]


def _retried(event: Event, names: Names) -> list[str]:
    what = "switch action" if event.action.startswith("switch.") else "email"
    to = _d(event).get("to")
    return [f"The {what} {quoted(event.target_label)}{f' to {to}' if to else ''} "
            "was queued again"]


def _simple(template: str) -> Callable[[Event, Names], list[str]]:
    def phrase(event: Event, names: Names) -> list[str]:
        who = _who(event)
        return [template.format(who=who, whose=_poss(who), number=_number(event),
                                place=_place(event), source=_from(event))]
    return phrase


def _softphone(template: str) -> Callable[[Event, Names], list[str]]:
    """The mobile app's credential (R-SW3): for whom it was made, or why it ended."""
    def phrase(event: Event, names: Names) -> list[str]:
        detail = event.detail or {}
        for_whom = f" for {detail['for']}" if detail.get("for") else ""
        why = f" ({detail['reason']})" if detail.get("reason") else ""
        return [template.format(number=_number(event), for_whom=for_whom, why=why)]
    return phrase


PHRASES: dict[str, Callable[[Event, Names], list[str]]] = {
    "profile.created": _profile_created,
    "profile.updated": _profile_updated,
    "profile.disabled": _profile_disabled,
    "profile.enabled": _simple("{whose} profile was enabled"),
    "profile.deleted": _simple("{whose} profile was deleted"),
    "profile.setup_link_sent": _simple("A link to create a password was emailed to {who}"),
    "profile.password_set": _simple("{who} created a password with an emailed link"),
    "profile.role_changed": _role_changed,
    "profile.external_id_changed": _external_id,
    "account.primary_admin_transferred": _primary_transferred,
    "account.created": _simple("The account {who} was created"),
    "auth.signed_in": _simple("{who} signed in to {place}{source}"),
    "auth.signed_out": _simple("{who} signed out"),
    "auth.sign_in_failed": _simple("A wrong password was given for {whose} username{source}"),
    "auth.sign_in_locked": _locked,
    "auth.sign_in_refused": _refused,
    "auth.password_reset_requested": _simple("A link to create a new password was "
                                             "emailed to {who}, asked for with Forgot "
                                             "password{source}"),
    "extension.created": _ext_created,
    "extension.updated": _ext_updated,
    "extension.assigned": _ext_assigned,
    "extension.unassigned": _ext_unassigned,
    "extension.deleted": _simple("Extension {number} was deleted"),
    "extension.sip_password_created": _simple("A desk phone SIP password was made for {number}"),
    "extension.sip_password_reset": _simple("The desk phone SIP password of {number} was reset"),
    "extension.softphone_created": _softphone("The mobile app was set up on {number}{for_whom}"),
    "extension.softphone_replaced": _softphone(
        "The mobile app was set up again on {number}{for_whom}; the previous one stopped working"),
    "extension.softphone_revoked": _softphone("The mobile app on {number} stopped working{why}"),
    "message.voicemail_received": _message,
    "message.fax_received": _message,
    "message.deleted": _message_deleted,
    "import.applied": _import_applied,
    "settings.sip_domain_changed": _settings_changed,
    "settings.profile_fields_updated": _settings_changed,
    "settings.account_updated": _settings_changed,
    "token.created": _token,
    "token.revoked": _token,
    "email.retried": _retried,
    "switch.action_retried": _retried,
}


def describe(event: Event, names: Names | None = None) -> list[str]:
    """One or more sentences (never empty, never blank) saying what the event did."""
    names = names or Names()
    phrase = PHRASES.get(event.action)
    if phrase is None:
        target = f": {event.target_label}" if event.target_label else ""
        return [f"{action_name(event.action)}{target}"]
    return [line for line in phrase(event, names) if line.strip()] or [action_name(event.action)]
