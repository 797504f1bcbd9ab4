"""``phonedesk worker``: deliver the outbox from a separate process.

Any number of these can run next to any number of ``phonedesk serve``
processes (with ``PHONEDESK_OUTBOX_WORKER_IN_PROCESS=false`` on the servers if
all delivery should happen here). SIGTERM or Ctrl-C stops it after the message
in hand; rows it had claimed but not sent come back when their lease expires.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Annotated

import typer

from phonedesk.cli.context import database, settings
from phonedesk.outbox.smtp import parse_smtp_url
from phonedesk.outbox.worker import OutboxWorker


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit")
    ] = False,
) -> None:
    """Send queued email (password links, assignment notices, voicemail and fax) and switch
    actions (ending a phone's registration, reloading SIP domains)."""
    s = settings()
    if s.smtp_url:
        try:
            target = parse_smtp_url(s.smtp_url).safe_url
        except ValueError as exc:
            typer.echo(f"Configuration error: {exc}", err=True)
            raise typer.Exit(2) from None
    else:
        target = f".eml files in {s.mail_dir}"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    db = database(s)
    switch = (s.switch_rpc_url or "").strip()
    also = f" and switch actions to {switch}" if switch else ""
    typer.echo(f"PhoneDesk worker delivering email to {target}{also}", err=True)
    try:
        OutboxWorker(db, s).run(stop, until_idle=once)
    finally:
        db.dispose()


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
