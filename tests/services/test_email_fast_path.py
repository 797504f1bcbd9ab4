"""The fast path of email validation agrees with email-validator itself (R-P1).

``rules._validated_email`` skips the library's parse for plain ASCII local parts;
these properties check that it accepts, rejects and normalises exactly as the
library does, so the bulk importer and the API can never disagree with it.
"""

from __future__ import annotations

import string

from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from phonedesk.profiles import rules

LOCAL_CHARS = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-." + '"(),:;<>[\\] @'
DOMAINS = st.sampled_from(
    ["acme.example", "Example.COM", "eu.acme-corp.com", "localhost", "b", "x.invalid",
     "-bad.com", "a..b.com", "xn--mnchen-3ya.de", "[127.0.0.1]", "acme.test", "a.b.c.d.e"]
)


def library(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def ours(text: str) -> str | None:
    try:
        return rules._validated_email(text)
    except EmailNotValidError:
        return None


@settings(max_examples=400, deadline=None)
@given(local=st.text(alphabet=LOCAL_CHARS, min_size=0, max_size=70), domain=DOMAINS)
@example(local="a" * 64, domain="acme.example")
@example(local="a" * 65, domain="acme.example")
@example(local=".ann", domain="acme.example")
@example(local="ann.", domain="acme.example")
@example(local="a..nn", domain="acme.example")
def test_fast_path_agrees_with_the_library(local: str, domain: str) -> None:
    text = f"{local}@{domain}"
    assert ours(text) == library(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=0, max_size=80))
def test_any_text_agrees_with_the_library(text: str) -> None:
    assert ours(text) == library(text)
