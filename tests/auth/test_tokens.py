"""Token names, decided by the token service for the page and the CLI alike (R-P1)."""

from __future__ import annotations

from typing import Any

import pytest

from phonedesk.auth import tokens
from phonedesk.errors import ValidationFailed


def test_a_name_over_100_characters_is_refused_not_cut(unit: Any) -> None:
    with unit() as scope, pytest.raises(ValidationFailed) as caught:
        tokens.create_token(scope, name="n" * 101)
    assert (caught.value.field, caught.value.code) == ("name", "too_long")
    with unit() as scope:
        token, secret = tokens.create_token(scope, name="  " + "n" * 100 + " ")
        assert token.name == "n" * 100 and secret.startswith("pd_")
        assert tokens.create_token(scope, name=" ")[0].name == "API token"
