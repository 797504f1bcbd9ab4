"""Settings refuse the development secret key outside development."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from phonedesk.config import DEVELOPMENT_SECRET_KEY, Settings


def test_development_default_is_allowed() -> None:
    assert Settings(environment="development").secret_key == DEVELOPMENT_SECRET_KEY


@pytest.mark.parametrize("environment", ["production", "test"])
def test_default_secret_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="PHONEDESK_SECRET_KEY"):
        Settings(environment=environment)  # type: ignore[arg-type]


def test_env_vars_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHONEDESK_ENVIRONMENT", "production")
    monkeypatch.setenv("PHONEDESK_SECRET_KEY", "a-real-secret")
    monkeypatch.setenv("PHONEDESK_BASE_URL", "https://pd.example.com")
    s = Settings()
    assert s.base_url_is_https
    assert s.secret_key == "a-real-secret"
