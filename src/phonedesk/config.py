"""Settings read from ``PHONEDESK_*`` environment variables.

The secret key has a development default so that ``make run`` works on a fresh
clone, but any other environment refuses to start with it: a forgotten setting
must fail loudly rather than sign sessions with a key published in the source.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET_KEY = "development-only-secret-key-change-me"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_networks(text: str) -> tuple[Network, ...]:
    """``"10.0.0.0/8, 192.0.2.1"`` → networks (PHONEDESK_TRUSTED_PROXIES); ValueError names
    a bad entry."""
    networks = []
    for part in text.replace(";", ",").split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"“{entry}” is not an IP address or network") from exc
    return tuple(networks)


class Settings(BaseSettings):
    """Every tunable of a PhoneDesk installation."""

    model_config = SettingsConfigDict(env_prefix="PHONEDESK_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./phonedesk.db"
    secret_key: str = DEVELOPMENT_SECRET_KEY
    base_url: str = "http://127.0.0.1:8000"
    sqlite_busy_timeout_ms: int = 15_000
    # Overload (DESIGN §3): a write waits at most this long for its turn (SQLite: the
    # process's one writer lane; both: a pooled connection), then answers 503 busy.
    write_wait_seconds: float = Field(default=10.0, gt=0, le=300)
    # Threads that run request handlers; the connection pool is sized to match.
    server_threads: int = Field(default=40, ge=4, le=400)

    # Email delivery (R-V1, R-M1).
    smtp_url: str | None = None
    mail_from: str = "PhoneDesk <no-reply@phonedesk.invalid>"
    mail_dir: Path = Path("./var/mail")
    outbox_worker_in_process: bool = True
    outbox_poll_seconds: float = 2.0  # idle wait between looks at the outbox
    outbox_lease_seconds: float = 300.0  # a claimed row is retried after this if never finished
    outbox_batch_size: int = 20
    outbox_max_attempts: int = 8  # then the message is parked as failed
    outbox_backoff_base_seconds: float = 30.0  # doubled after every temporary failure ...
    outbox_backoff_max_seconds: float = 3600.0  # ... up to this
    smtp_timeout_seconds: float = 30.0

    # Password setup links (R-V1, R-V3).
    setup_link_ttl_hours: int = 72

    # Sign-in throttling (R-V3): after `free` failures each attempt waits a doubling delay;
    # `lock_after` failures lock the username for `lock_minutes`. A client address (an
    # office behind one NAT) is only slowed, never locked, with a short cap, so that one
    # guesser cannot keep everyone else out.
    signin_free_failures: int = 3
    signin_delay_base_seconds: float = 2.0
    signin_delay_max_seconds: float = 60.0
    signin_lock_after: int = 10
    signin_address_free_failures: int = 20
    signin_address_delay_max_seconds: float = 5.0
    signin_lock_minutes: float = 15.0
    # Proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed.
    trusted_proxies: str = ""

    # The largest request body (JSON, forms, SCIM); uploads have their own limits below.
    body_max_bytes: int = Field(default=1024 * 1024, ge=1024)

    # Bulk CSV (R-C5).
    import_max_bytes: int = 50 * 1024 * 1024
    import_max_rows: int = 250_000
    import_ttl_hours: int = 24

    # Stored voicemail and fax files (R-M1).
    message_dir: Path = Path("./var/messages")
    message_max_bytes: int = 20 * 1024 * 1024

    # The switch (R-SW1–R-SW7): Kamailio provisioned from this database.
    switch_domain_suffix: str = "sip.localhost"  # a new account's SIP domain: <name>.<suffix>
    switch_proxy: str = "127.0.0.1:5060"  # the address phones send SIP to, shown with passwords
    switch_rpc_url: str = "http://127.0.0.1:5081/RPC"  # Kamailio's JSON-RPC; "" = no actions
    switch_rpc_timeout_seconds: float = 5.0
    # Reading registrations for a page or the API: short, so a down switch costs little.
    switch_status_timeout_seconds: float = Field(default=1.0, gt=0, le=30)
    # How long the one-time link in a softphone's QR code works (R-SW3).
    softphone_link_minutes: int = Field(default=30, ge=1, le=1440)
    switch_database_url: str | None = None  # what Kamailio connects with; derived when unset
    # Kamailio's own PostgreSQL database for registrations (usrloc DB-only mode), so that
    # several Kamailio instances share them; unset: registrations stay in each one's memory.
    switch_location_database_url: str | None = None
    switch_voicemail_uri: str | None = None  # SIP URI of the voicemail server (R-SW6)
    switch_no_answer_seconds: int = Field(default=20, ge=1, le=600)
    switch_digest_algorithm: Literal["MD5", "SHA-256"] = "MD5"
    switch_kamailio: str = "kamailio"  # the program (a name looked up in PATH, or a path)
    switch_module_dir: Path | None = None  # Kamailio's modules, when not where Debian puts them
    switch_run_dir: Path = Path("./var/switch")  # kamailio.cfg and Kamailio's runtime files

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key == DEVELOPMENT_SECRET_KEY:
            raise ValueError(
                "PHONEDESK_SECRET_KEY must be set to a private random value outside development"
            )
        return self

    @model_validator(mode="after")
    def _check_trusted_proxies(self) -> Settings:
        try:
            parse_networks(self.trusted_proxies)
        except ValueError as exc:
            raise ValueError(f"PHONEDESK_TRUSTED_PROXIES: {exc}") from exc
        return self

    @property
    def base_url_is_https(self) -> bool:
        return self.base_url.lower().startswith("https://")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
