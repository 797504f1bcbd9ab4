"""Rendering ``kamailio.cfg`` from PhoneDesk's settings (``phonedesk switch config``).

The configuration holds no account, extension or password: those are read from
the contract views on every request. It holds where the database is, which ports
to use, the voicemail server and the no-answer time, so it is rendered again
only when one of those settings changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy.engine import make_url

from phonedesk.config import Settings
from phonedesk.db import is_sqlite, normalize_url
from phonedesk.switch import contract
from phonedesk.switch.rpc import SOFTPHONE_FLAG

EXTENSION_HEADER = "X-PhoneDesk-Extension"  # the called extension, for the voicemail server
DOMAIN_HEADER = "X-PhoneDesk-Domain"  # its SIP domain, which names the account
DEFAULT_SIP_PORT = 5060
DEFAULT_RPC_PORT = 5081

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


class SwitchConfigError(ValueError):
    """A setting Kamailio cannot be configured from (said in one line)."""


@dataclass(frozen=True)
class SwitchOptions:
    """What varies between two switches on one PhoneDesk database."""

    sip_address: str = "127.0.0.1"
    sip_port: int = DEFAULT_SIP_PORT
    rpc_port: int = DEFAULT_RPC_PORT
    children: int = 4
    log_level: int = 2
    min_expires: int = 60
    max_expires: int = 3600


def kamailio_db_url(settings: Settings) -> tuple[str, str | None]:
    """Kamailio's URL of PhoneDesk's database, and the SQLite file path if it is one.

    SQLite needs an absolute path (``sqlite:////abs/file.db``, four slashes);
    PostgreSQL is reached as the contract's read-only role unless
    ``PHONEDESK_SWITCH_DATABASE_URL`` says otherwise (e.g. with its password).
    """
    if settings.switch_database_url:
        url = settings.switch_database_url.strip()
        if url.startswith("sqlite:"):
            return url, url.split("sqlite:///", 1)[-1] or None
        return url, None
    raw = normalize_url(settings.database_url)
    if is_sqlite(raw):
        database = make_url(raw).database
        if not database or database == ":memory:":
            raise SwitchConfigError("Kamailio needs an SQLite file, not an in-memory database.")
        path = str(Path(database).expanduser().resolve())
        return f"sqlite:///{path}", path
    pg = make_url(raw)
    host = pg.host or "127.0.0.1"
    port = f":{pg.port}" if pg.port else ""
    return f"postgres://{quote(contract.ROLE)}@{host}{port}/{pg.database}", None


def render(settings: Settings, options: SwitchOptions | None = None) -> str:
    """The complete ``kamailio.cfg`` for these settings."""
    options = options or SwitchOptions()
    if options.sip_port == options.rpc_port:
        raise SwitchConfigError("The SIP port and the JSON-RPC port must differ.")
    db_url, sqlite_path = kamailio_db_url(settings)
    sha = settings.switch_digest_algorithm == "SHA-256"
    voicemail = (settings.switch_voicemail_uri or "").strip()
    if voicemail and (not voicemail.startswith(("sip:", "sips:")) or '"' in voicemail
                      or any(ch.isspace() for ch in voicemail)):
        raise SwitchConfigError("PHONEDESK_SWITCH_VOICEMAIL_URI must be a SIP URI such as "
                                "sip:voicemail@192.0.2.10:5060.")
    no_answer_ms = settings.switch_no_answer_seconds * 1000
    location = (settings.switch_location_database_url or "").strip()
    if location and (not location.startswith("postgres://") or '"' in location):
        raise SwitchConfigError("PHONEDESK_SWITCH_LOCATION_DATABASE_URL must be a PostgreSQL "
                                "URL in Kamailio's form, postgres://user:password@host/db.")
    return _env.get_template("kamailio.cfg.j2").render(
        kamailio_version="5.6",
        contract=contract,
        db_module="db_sqlite" if db_url.startswith("sqlite:") else "db_postgres",
        db_url=db_url,
        sqlite_path=sqlite_path,
        sip_address=options.sip_address,
        sip_port=options.sip_port,
        rpc_port=options.rpc_port,
        children=options.children,
        log_level=options.log_level,
        min_expires=options.min_expires,
        max_expires=options.max_expires,
        algorithm=settings.switch_digest_algorithm,
        password_column="ha1_sha256" if sha else "ha1",
        password_column_2="ha1b_sha256" if sha else "ha1b",
        no_answer_ms=no_answer_ms,
        provisional_ms=min(no_answer_ms, 5000),
        voicemail_uri=voicemail,
        extension_header=EXTENSION_HEADER,
        domain_header=DOMAIN_HEADER,
        softphone_flag=SOFTPHONE_FLAG,
        location_db_url=location,
    )
