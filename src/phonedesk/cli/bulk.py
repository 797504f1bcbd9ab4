"""``phonedesk profiles template|export|import``: CSV provisioning from a shell.

``import`` validates in small steps that never hold the write lock, then applies
every row in one transaction; a rejected file or a ``--dry-run`` leaves nothing
behind. Exit status: 0 when the file validated
(and, without ``--dry-run``, was applied), 1 when it was rejected.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from phonedesk.accounts import service as accounts
from phonedesk.bulk import service
from phonedesk.cli.context import database, err, out, reporting_errors, settings, unit_of_work
from phonedesk.models import ImportBatch
from phonedesk.models.bulk import APPLIED, CHANGED, REJECTED
from phonedesk.scope import Actor, Scope

AccountOpt = Annotated[str | None, typer.Option("--account", help="Account name (optional "
                                                "when there is only one)")]
OutputOpt = Annotated[Path | None, typer.Option("-o", "--output",
                                                help="Write to this file instead of stdout")]
_SHOWN = 50


def _write_csv(account: str | None, output: Path | None) -> None:
    with unit_of_work(account, read_only=True) as scope:
        if output is None:
            sink = sys.stdout.buffer
            for chunk in service.write_csv(scope):
                sink.write(chunk)
            sink.flush()
            return
        with output.open("wb") as fh:
            for chunk in service.write_csv(scope):
                fh.write(chunk)
    err.print(f"Wrote {output}.", highlight=False)


def template(account: AccountOpt = None, output: OutputOpt = None) -> None:
    """Download the CSV template: the headers plus one row per existing profile."""
    _write_csv(account, output)


def export(account: AccountOpt = None, output: OutputOpt = None) -> None:
    """Export every profile as CSV (same columns as the template)."""
    _write_csv(account, output)


def _result(scope: Scope, batch: ImportBatch) -> dict[str, Any]:
    return {
        "status": batch.status,
        "counts": service.counts(batch),
        "errors": list(service.all_errors(scope, batch)),
        "notices": list(batch.notices or []),
        "assignments": service.assignment_changes(scope, batch),
    }


def _print_human(scope: Scope, batch: ImportBatch, result: dict[str, Any],
                 dry_run: bool) -> None:
    c = result["counts"]
    verdict = {
        APPLIED: "[green]Applied.[/green]",
        REJECTED: "[red]Rejected: nothing was changed.[/red]",
    }.get(batch.status, "[green]Valid.[/green]" + (" Nothing was changed (--dry-run)."
                                                  if dry_run else ""))
    out.print(verdict)
    out.print(f"new {c['new']}, changed {c['changed']}, unchanged {c['unchanged']}, "
              f"error {c['error']}", highlight=False)
    for notice in result["notices"]:
        out.print(f"Note: {notice}", highlight=False)
    for e in result["errors"][:_SHOWN]:
        where = "File" if e["row"] is None else f"Row {e['row']}"
        column = f", {e['column']}" if e["column"] else ""
        out.print(f"{where}{column}: {e['message']}", highlight=False)
    if len(result["errors"]) > _SHOWN:
        out.print(f"… and {len(result['errors']) - _SHOWN} more errors (use --json for all).")
    for a in result["assignments"]:
        change = ("takes away" if a["change"] == "remove"
                  else "creates and assigns" if a["create"] else "assigns")
        email = f"; emails {a['to']}: {a['email_label']}" if a["email"] else ""
        out.print(f"Row {a['row']} {change} extension {a['number']} ({a['profile']}){email}",
                  highlight=False)
    if dry_run and batch.status != REJECTED and c["changed"]:
        views, total = service.list_rows(scope, batch, outcome=CHANGED, limit=_SHOWN)
        for view in views:
            diffs = "; ".join(f"{ch['column']}: {ch['before']!r} → {ch['after']!r}"
                              for ch in view.changes)
            out.print(f"Row {view.row} changes {diffs}", highlight=False)
        if total > _SHOWN:
            out.print(f"… and {total - _SHOWN} more changed rows.")
    for e in result.get("created_extensions", []):
        out.print(f"Extension {e['number']} desk phone: SIP username {e['sip_username']}, "
                  f"domain {e['sip_domain']}, password {e['sip_password']} (shown this once)",
                  highlight=False)


def _unreadable(path: Path, exc: OSError, as_json: bool) -> None:
    message = f"Cannot read {path}: {exc.strerror or exc}"
    if as_json:
        typer.echo(json.dumps({"status": "rejected",
                               "counts": {"new": 0, "changed": 0, "unchanged": 0, "error": 0},
                               "errors": [{"row": None, "column": None, "message": message}],
                               "notices": []}, ensure_ascii=False))
    else:
        err.print(f"[red]Error:[/red] {message}", highlight=False)
    raise typer.Exit(1)


def import_csv(
    file: Annotated[Path, typer.Argument(help="The CSV file (UTF-8 or Windows-1252)")],
    account: AccountOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and show the preview; "
                                          "change nothing")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Import a CSV file of profiles: validate every row, then apply all or nothing."""
    try:
        fh = file.open("rb")
    except OSError as exc:
        _unreadable(file, exc, as_json)
        return
    s = settings()
    db = database(s)
    show_bar = sys.stderr.isatty()
    try:
        with fh, reporting_errors(), Progress(
            "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
            TimeRemainingColumn(), console=err, disable=not show_bar, transient=True,
        ) as bar:
            task = bar.add_task("Validating", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            with db.reading() as session:
                scope = Scope(db=session, account=accounts.resolve(session, account),
                              actor=Actor.cli(), settings=s)
                batch = service.upload(scope, fh, file.name, progress=progress, database=db)
                import_id = batch.public_id
            with db.transaction() as session:
                scope = Scope(db=session, account=accounts.resolve(session, account),
                              actor=Actor.cli(), settings=s)
                batch = service.get_import(scope, import_id)
                sip: list[Any] = []
                if batch.status != REJECTED and not dry_run:
                    bar.update(task, description="Applying")
                    done = service.submitted(scope, import_id)
                    batch, sip = done.batch, done.sip
                result = _result(scope, batch)
                # Desk phone passwords of new extensions: printed this once, never stored.
                result["created_extensions"] = [
                    {"number": n, "sip_username": c.username, "sip_domain": c.domain,
                     "sip_password": c.password, "proxy": c.proxy} for n, c in sip]
                bar.stop()
                if as_json:
                    typer.echo(json.dumps(result, ensure_ascii=False))
                else:
                    _print_human(scope, batch, result, dry_run)
                if dry_run or batch.status == REJECTED:
                    # nothing of a preview or a rejected file is kept
                    service.discard(scope, import_id)
    finally:
        db.dispose()
    if result["status"] == REJECTED:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``template``, ``export`` and ``import`` to the ``profiles`` commands."""
    app.command("template")(template)
    app.command("export")(export)
    app.command("import")(import_csv)
