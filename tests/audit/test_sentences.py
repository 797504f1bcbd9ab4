"""The audit log in sentences (R-AU1): one phrase for every action the code records, about
people and extensions by name and number, never codes, dict text or blank lines."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from phonedesk.audit.sentences import PHRASES, Names, action_name, describe

SRC = Path(__file__).resolve().parents[2] / "src" / "phonedesk"
ACTION = re.compile(r"^(profile|extension|auth|token|import|settings|account|message|email|"
                    r"switch)\.[a-z_]+$")
ANN, BO = "p-ann", "p-bo"
NAMES = Names(people={ANN: "Ann Lee", BO: "Bo Chen"}, custom_labels={"custom_field_1": "Dept"})


@dataclass
class Ev:
    action: str
    target_type: str | None = "profile"
    target_id: str | None = ANN
    target_label: str | None = "Ann Lee"
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: dict[str, Any] | None = None
    actor_label: str = "Pat Admin"


def _ext(action: str, **kw: Any) -> Ev:
    return Ev(action, target_type="extension", target_id="201",
              target_label="Extension 201 (Ann Lee)", **kw)


IMPORTED = {"source": "import", "import_id": "i-1", "file": "profiles.csv"}
CASES: list[tuple[Ev, list[str]]] = [
    (Ev("profile.created", after={"email": "ann@acme.example", "status": "active"}),
     ["Ann Lee's profile was created with email ann@acme.example"]),
    (Ev("profile.created", after={"email": "ann@acme.example"}, detail=IMPORTED),
     ["Ann Lee's profile was created with email ann@acme.example by the import of "
      "profiles.csv"]),
    (Ev("profile.updated", before={"email": "a@x.example", "custom_field_1": None},
        after={"email": "ann@x.example", "custom_field_1": "Sales"}, detail=IMPORTED),
     ["Ann Lee's email address changed from “a@x.example” to “ann@x.example” by the import "
      "of profiles.csv",
      "Ann Lee's “Dept” changed from (empty) to “Sales” by the import of profiles.csv"]),
    (Ev("profile.disabled", before={"status": "active"}, after={"status": "disabled"},
        detail={"extensions_moved_to_primary_admin": ["201", "202"]}),
     ["Ann Lee's profile was disabled; extensions 201 and 202 moved to the primary "
      "administrator"]),
    (Ev("profile.disabled", detail={"extensions_moved_to_primary_admin": []}),
     ["Ann Lee's profile was disabled"]),  # no empty "moved to primary admin:" line
    (Ev("profile.enabled"), ["Ann Lee's profile was enabled"]),
    (Ev("profile.deleted"), ["Ann Lee's profile was deleted"]),
    (Ev("profile.setup_link_sent"), ["A link to create a password was emailed to Ann Lee"]),
    (Ev("profile.password_set", detail={"via": "setup_link"}),
     ["Ann Lee created a password with an emailed link"]),
    (Ev("profile.role_changed", before={"role": None}, after={"role": "administrator"}),
     ["Ann Lee became an administrator"]),
    (Ev("profile.role_changed", before={"role": "administrator"},
        after={"role": "read_only_administrator"}),
     ["Ann Lee's role changed from administrator to read-only administrator"]),
    (Ev("profile.role_changed", before={"role": "administrator"}, after={"role": None}),
     ["Ann Lee's admin rights (administrator) were removed"]),
    (Ev("profile.external_id_changed", before={"external_id": None},
        after={"external_id": "okta-7"}),
     ["Ann Lee's identity-provider ID changed from (empty) to “okta-7”"]),
    (Ev("account.primary_admin_transferred", before={"primary_admin": BO},
        after={"primary_admin": ANN}),
     ["Ann Lee became the primary administrator, taking over from Bo Chen"]),
    (Ev("account.created", target_type="account", target_id="1", target_label="Acme"),
     ["The account Acme was created"]),
    (Ev("auth.signed_in", detail={"where": "portal", "client_address": "10.0.0.5"}),
     ["Ann Lee signed in to Virtual Office from 10.0.0.5"]),
    (Ev("auth.signed_out", detail={"where": "admin"}), ["Ann Lee signed out"]),
    (Ev("auth.sign_in_failed", detail={"where": "admin", "client_address": "10.0.0.5"}),
     ["A wrong password was given for Ann Lee's username from 10.0.0.5"]),
    (Ev("auth.sign_in_locked", detail={"minutes": 15}),
     ["Ann Lee's username was locked for 15 minutes after too many wrong passwords"]),
    (Ev("auth.sign_in_refused", detail={"where": "admin", "reason": "no_access"}),
     ["Sign-in to the Account Manager as Ann Lee was refused: the password was right, but "
      "the profile may not use it"]),
    (Ev("auth.password_reset_requested", detail={"client_address": "10.0.0.5"}),
     ["A link to create a new password was emailed to Ann Lee, asked for with Forgot "
      "password from 10.0.0.5"]),
    (_ext("extension.created", after={"profile": ANN, "virtual_office_enabled": True}),
     ["Extension 201 was created (Virtual Office on), assigned to Ann Lee"]),
    (_ext("extension.updated",
          before={"voicemail_email": "ann@acme.example", "voicemail_email_edited": False},
          after={"voicemail_email": "ann@home.example", "voicemail_email_edited": True},
          detail={"profile_name": "Ann Lee"}),
     ["Ann Lee's voicemail email for 201 changed from “ann@acme.example” to "
      "“ann@home.example” (on this extension only)"]),
    (_ext("extension.updated", before={"virtual_office_enabled": True},
          after={"virtual_office_enabled": False}),
     ["Virtual Office was turned off for 201"]),
    (_ext("extension.updated", before={"fax_email_edited": True},
          after={"fax_email_edited": False}),
     ["201's fax email follows the profile again"]),
    (_ext("extension.assigned", before={"profile": None}, after={"profile": BO},
          detail={"email": "assigned_setup", "profile_name": "Bo Chen"}),
     ["Extension 201 was assigned to Bo Chen; Bo Chen was sent an email with a link to "
      "create a password"]),
    (_ext("extension.unassigned", before={"profile": ANN}, after={"profile": None}),
     ["Ann Lee was removed from extension 201; the primary administrator holds it now"]),
    (_ext("extension.deleted", before={"profile": None}), ["Extension 201 was deleted"]),
    (_ext("extension.sip_password_created", detail={"sip_username": "201"}),
     ["A desk phone SIP password was made for 201"]),
    (_ext("extension.sip_password_reset"), ["The desk phone SIP password of 201 was reset"]),
    (_ext("extension.softphone_created", detail={"sip_username": "201-app", "for": "Ann Lee"}),
     ["The mobile app was set up on 201 for Ann Lee"]),
    (_ext("extension.softphone_replaced", detail={"sip_username": "201-app", "for": "Ann Lee"}),
     ["The mobile app was set up again on 201 for Ann Lee; the previous one stopped working"]),
    (_ext("extension.softphone_revoked",
          detail={"sip_username": "201-app", "reason": "profile disabled"}),
     ["The mobile app on 201 stopped working (profile disabled)"]),
    (_ext("message.voicemail_received", detail={"caller_number": "+15550100"}),
     ["A voicemail from +15550100 arrived for extension 201"]),
    (_ext("message.fax_received", detail={"caller_number": None}),
     ["A fax arrived for extension 201"]),
    (_ext("message.deleted", detail={"kind": "voicemail"}),
     ["A voicemail of extension 201 was deleted in Virtual Office"]),
    (Ev("import.applied", target_type="import", target_id="i-1", target_label="profiles.csv",
        detail={"counts": {"new": 3, "changed": 1, "unchanged": 0, "error": 0},
                "rows": 4, "filename": "profiles.csv"}),
     ["Import of profiles.csv: 3 created, 1 changed"]),
    (Ev("settings.sip_domain_changed", target_type="account", before={"sip_domain": "a.test"},
        after={"sip_domain": "b.test"}),
     ["The SIP domain changed from “a.test” to “b.test”"]),
    (Ev("settings.profile_fields_updated", target_type="account",
        before={"custom_field_1_label": None, "visible_columns": ["first_name"]},
        after={"custom_field_1_label": "Dept", "visible_columns": ["first_name", "email"]}),
     ["The name of custom field 1 changed from (empty) to “Dept”",
      "The User Profiles table now shows first name and email address"]),
    (Ev("settings.account_updated", target_type="account", before={"time_zone": "UTC"},
        after={"time_zone": "Europe/Paris"}),
     ["The time zone changed from “UTC” to “Europe/Paris”"]),
    (Ev("token.created", target_type="token", target_label="CI",
        after={"kind": "scim", "name": "CI", "prefix": "pds_ab"}),
     ["The SCIM token “CI” was created"]),
    (Ev("token.revoked", target_type="token", target_label="CI"),
     ["The token “CI” was revoked"]),
    (Ev("email.retried", target_type="email", target_label="Your extension",
        detail={"to": "ann@acme.example", "last_error": "550"}),
     ["The email “Your extension” to ann@acme.example was queued again"]),
    (Ev("switch.action_retried", target_type="email", target_label="Reload domains",
        detail={"to": "kamailio", "last_error": None}),
     ["The switch action “Reload domains” to kamailio was queued again"]),
]


@pytest.mark.parametrize(("event", "expected"), CASES, ids=[c[0].action for c in CASES])
def test_each_action_reads_as_sentences(event: Ev, expected: list[str]) -> None:
    assert describe(event, NAMES) == expected


def _recorded_actions() -> set[str]:
    """Every action code written in a module that records audit events."""
    found = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        if "record(" not in text:
            continue
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and ACTION.match(node.value):
                found.add(node.value)
    return found | {"message.voicemail_received", "message.fax_received"}  # f"message.{kind}"


def test_every_recorded_action_has_a_phrase_a_name_and_a_test() -> None:
    recorded = _recorded_actions()
    assert len(recorded) > 30
    tested = {event.action for event, _ in CASES}
    assert recorded - set(PHRASES) == set()
    assert recorded - tested == set()
    for action in recorded:
        assert action_name(action) != action and "_" not in action_name(action)


def test_no_sentence_shows_codes_dicts_ids_or_blank_lines() -> None:
    for event, _ in CASES:
        for line in describe(event, NAMES):
            assert line.strip() and line == line.strip()
            assert not re.search(r"[{}\[\]]|\bNone\b|\bTrue\b|\bFalse\b|p-ann|p-bo", line), line


def test_an_unknown_action_or_missing_name_still_reads_as_words() -> None:
    assert describe(Ev("widget.frobbed", target_label="Ann Lee")) == ["Widget frobbed: Ann Lee"]
    gone = _ext("extension.unassigned", before={"profile": "p-gone"})
    assert describe(gone, NAMES)[0].startswith("A deleted profile was removed") is False
    assert "a deleted profile" in describe(gone, NAMES)[0]
