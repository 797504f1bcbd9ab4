"""Random uploads through the API: never a 500, always a preview (R-C5, DESIGN §5)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

HEADER = b"Internal ID,First Name,Last Name,Email Address,Username\r\n"


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(st.binary(max_size=600),
                      st.binary(max_size=600).map(lambda b: HEADER + b),
                      st.text(max_size=300).map(lambda t: HEADER + t.encode("utf-8"))))
def test_any_upload_gives_a_preview(api: TestClient, body: bytes) -> None:
    response = api.post("/api/v1/imports", files={"file": ("x.csv", body, "text/csv")})
    assert response.status_code == 201, response.text
    preview = response.json()
    assert preview["status"] in ("validated", "rejected")
    if preview["status"] == "rejected":
        assert preview["file_errors"] or preview["counts"]["error"]
