"""Printing results: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import typer
from pydantic import BaseModel
from rich.table import Table

from phonedesk.cli.context import out


def emit(items: BaseModel | Sequence[BaseModel], *, as_json: bool, columns: list[str]) -> None:
    many = not isinstance(items, BaseModel)
    rows: list[BaseModel] = [items] if isinstance(items, BaseModel) else list(items)
    if as_json:
        data: Any = [r.model_dump(mode="json") for r in rows]
        typer.echo(json.dumps(data if many else data[0], ensure_ascii=False, indent=2))
        return
    table = Table(*columns, show_lines=False)
    for row in rows:
        dumped = row.model_dump(mode="json")
        table.add_row(*[_cell(dumped.get(c)) for c in columns])
    out.print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
