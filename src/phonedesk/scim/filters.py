"""The filters identity providers send to find a user before creating it.

Entra ID and Okta look a user up by ``userName eq``, ``externalId eq`` or the
work email. scim2-models parses the RFC 7644 §3.4.2.2 grammar; this module
accepts the subset PhoneDesk can answer with an indexed query and refuses the
rest with ``invalidFilter`` instead of silently returning everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError
from scim2_models import SCIMException, ScimFilter
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
)
from scim2_models.path.expressions import ValuePath

from phonedesk.scim.errors import ScimRequestError
from phonedesk.scim.models import USER_SCHEMA, User

MAX_FILTER_LENGTH = 1000
SUPPORTED = (
    'PhoneDesk supports userName eq "…", externalId eq "…" and '
    'emails[type eq "work"].value eq "…", joined by and.'
)


@dataclass
class Criteria:
    """Values every matching profile must have (all of them: the terms are and-ed)."""

    usernames: list[str] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


def _unsupported(text: str) -> ScimRequestError:
    return ScimRequestError(
        f"The filter “{text[:200]}” is not supported. {SUPPORTED}", scim_type="invalidFilter"
    )


def _name(path: AttrPath) -> str | None:
    if path.uri not in (None, USER_SCHEMA):
        return None
    return path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")


def _string_eq(node: FilterNode) -> tuple[str, str] | None:
    if (
        isinstance(node, Comparison)
        and node.op == CompareOperator.eq
        and isinstance(node.value, str)
    ):
        name = _name(node.attr_path)
        return (name, node.value) if name else None
    return None


def _and_terms(node: FilterNode) -> list[FilterNode]:
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        return [t for term in node.terms for t in _and_terms(term)]
    return [node]


def _email_value_path(node: ValuePath) -> str | None:
    """The address in ``emails[type eq "work" and value eq "x"]``.

    ``emails[type eq "work"].value eq "x"`` parses to that same form.
    """
    if _name(node.attr_path) != "emails" or node.sub_attr is not None:
        return None
    value = None
    for term in _and_terms(node.val_filter):
        pair = _string_eq(term)
        if pair is None:
            return None
        name, operand = pair
        if name == "type" and operand.lower() == "work":
            continue
        if name == "value" and value is None:
            value = operand
            continue
        return None
    return value


def parse_filter(text: str) -> Criteria:
    """The criteria a filter names, or ``invalidFilter``."""
    if len(text) > MAX_FILTER_LENGTH:
        raise ScimRequestError(
            f"The filter is longer than {MAX_FILTER_LENGTH} characters.",
            scim_type="invalidFilter",
        )
    try:
        node = ScimFilter[User](text).ast
    except (SCIMException, ValidationError, ValueError):
        raise ScimRequestError(
            f"The filter “{text[:200]}” is not valid SCIM filter syntax. {SUPPORTED}",
            scim_type="invalidFilter",
        ) from None
    if "\x00" in text:
        raise ScimRequestError("The filter contains a NUL character.", scim_type="invalidFilter")
    criteria = Criteria()
    for term in _and_terms(node):
        if isinstance(term, ValuePath):
            email = _email_value_path(term)
            if email is None:
                raise _unsupported(text)
            criteria.emails.append(email)
            continue
        pair = _string_eq(term)
        if pair is None:
            raise _unsupported(text)
        name, value = pair
        if name == "username":
            criteria.usernames.append(value)
        elif name == "externalid":
            criteria.external_ids.append(value)
        elif name == "emails.value":
            criteria.emails.append(value)
        else:
            raise _unsupported(text)
    return criteria
