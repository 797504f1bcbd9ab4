"""Edit Extension's caller ID names and addresses: every bad one reported at once (R-P1)."""

from __future__ import annotations

from typing import Any

import pytest

from phonedesk.errors import InvalidFields
from phonedesk.extensions import service as extensions


def test_every_bad_edit_is_reported_at_once(unit: Any) -> None:
    with unit() as scope:
        extensions.create_extension(scope, number="401")
    with unit() as scope, pytest.raises(InvalidFields) as caught:
        extensions.update_extension(scope, "401", {"caller_id_first_name": "x" * 51,
                                                   "voicemail_email": "nope",
                                                   "fax_email": "also@@bad"})
    assert {e.field for e in caught.value.errors} == {
        "caller_id_first_name", "voicemail_email", "fax_email"}
